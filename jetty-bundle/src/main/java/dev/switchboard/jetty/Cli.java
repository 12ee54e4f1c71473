package dev.switchboard.jetty;

import dev.switchboard.admin.DecisionView;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.ConfigLocation;
import dev.switchboard.config.InvalidConfigException;
import dev.switchboard.config.ServerSettings;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.config.Warning;
import dev.switchboard.error.ApiError;
import dev.switchboard.json.JsonTree;
import dev.switchboard.live.LiveConfig;
import dev.switchboard.ops.Log;
import dev.switchboard.ops.Version;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Client;
import dev.switchboard.rules.Decision;
import dev.switchboard.rules.InvalidUserPathException;
import dev.switchboard.rules.ModelNames;
import dev.switchboard.rules.Outcome;
import dev.switchboard.rules.Picker;
import dev.switchboard.rules.Resolver;
import dev.switchboard.rules.UserPath;
import dev.switchboard.rules.VirtualModel;
import dev.switchboard.store.AdminStore;
import dev.switchboard.store.AdminStores;
import dev.switchboard.store.FileAdminStore;
import dev.switchboard.store.StoreContents;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.util.URIUtil;

/**
 * The command line of SPEC sections 8 and 13: run, {@code validate}, {@code explain}, {@code experiments} and
 * {@code --version}.
 * Never prints a stack trace: every failure is one or more {@code error:} lines and an exit code.
 *
 * <p>Exit codes: 0 success (valid / allowed; a gateway stopped by SIGTERM or SIGINT), 1 invalid config (or a
 * stop that failed), 2 bad arguments, 3 denied, 4 not routable, 5 ({@code experiments}) the gateway could not be
 * asked.
 */
final class Cli {

    private static final Log LOG = Log.get(Cli.class);

    static final int OK = 0;
    static final int INVALID_CONFIG = 1;
    static final int USAGE = 2;
    static final int DENIED = 3;
    static final int NOT_ROUTABLE = 4;
    /** {@code experiments}: the gateway could not be reached, refused the token, or has no such experiment. */
    static final int UNAVAILABLE = 5;
    /** The gateway was asked to stop (SIGTERM) and failed to. */
    static final int STOP_FAILED = 1;
    /** How long a SIGTERM that came while the gateway started waits for the start to end before the process ends. */
    static final Duration START_WAIT = Duration.ofSeconds(10);

    static final String USAGE_TEXT = String.join("\n",
            "usage:",
            "  java -jar switchboard.jar [run] [--config PATH] [--port N] [--host ADDR]",
            "      run the gateway (config: --config, else -Dswitchboard.config=PATH, else SWITCHBOARD_CONFIG,",
            "      else conf/switchboard.yaml, else the built-in demo config). The built-in config and",
            "      conf/switchboard.yaml read SWITCHBOARD_HOST (0.0.0.0), SWITCHBOARD_PORT (8080) and",
            "      SWITCHBOARD_ADMIN_TOKEN (empty = no admin API) from the environment; --port/--host win",
            "  java -jar switchboard.jar validate PATH",
            "      check a config file and its admin store file: exit 0 valid (warnings printed),",
            "      1 invalid (errors printed), 2 bad arguments",
            "  java -jar switchboard.jar explain [--config PATH] --model M [--user-path P] [--client NAME] [--json]",
            "      show how a model resolves for a caller: exit 0 allowed, 3 denied, 4 not routable,",
            "      1 invalid config, 2 bad arguments",
            "  java -jar switchboard.jar experiments [SOURCE] [--url URL] [--token TOKEN] [--json]",
            "      show a running gateway's experiments (all, or one virtual model's) as text: arms, sample-ratio",
            "      check and comparisons (URL: http://127.0.0.1:8080; TOKEN: SWITCHBOARD_ADMIN_TOKEN);",
            "      exit 0 shown, 5 the gateway could not be asked or has no such experiment, 2 bad arguments",
            "  java -jar switchboard.jar --version",
            "      print the release version",
            "  --help or -h, anywhere: this text",
            "");

    /** The built-in default configuration (a copy of conf/switchboard.yaml) on the class path. */
    static final String DEFAULT_CONFIG_RESOURCE = "/dev/switchboard/jetty/switchboard.yaml";

    private Cli() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("help") || java.util.Arrays.stream(args)
                .anyMatch(a -> a.equals("--help") || a.equals("-h"))) {
            // Anywhere: "explain --help" asks for help, not for an option named so (it was exit 2, "unknown option").
            out.print(USAGE_TEXT);
            return OK;
        }
        if (args.length > 0 && args[0].equals("--version")) {
            if (args.length > 1) {
                return usage(err, "--version takes no other argument");
            }
            // Read from the jar's manifest (SPEC section 13), never written in the code.
            out.println(Version.current());
            return OK;
        }
        try {
            if (args.length == 0 || args[0].startsWith("--")) {
                return serve(args, out, err);
            }
            return switch (args[0]) {
                case "validate" -> validate(args, out, err);
                case "explain" -> explain(args, out, err);
                case "experiments" -> experiments(args, out, err);
                case "run" -> serve(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
                default -> usage(err, "unknown command '" + args[0] + "'");
            };
        } catch (UsageException e) {
            return usage(err, e.getMessage());
        }
    }

    /** Runs the gateway until the JVM is stopped (SIGTERM stops it gracefully). */
    private static int serve(String[] args, PrintStream out, PrintStream err) {
        String configPath = null;
        Integer port = null;
        String host = null;
        once(args, 0);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configPath = value(args, ++i, "--config");
                case "--port" -> {
                    String v = value(args, ++i, "--port");
                    try {
                        port = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 0 || port > 65535) {
                        throw new UsageException("--port must be between 0 and 65535, was \"" + v + "\"");
                    }
                }
                case "--host" -> host = value(args, ++i, "--host");
                default -> throw new UsageException("unknown option '" + args[i] + "'");
            }
        }
        // The jar's lookup: --config, the property, the environment, conf/switchboard.yaml, the built-in demo.
        ConfigLocation location = ConfigLocation.find(ConfigLocation.Fallback.DEFAULT_FILE_OR_BUILT_IN, configPath);
        String label = location.builtIn() ? "the built-in default (demo echo provider)" : location.label();
        LiveConfig reloader;
        try {
            reloader = location.builtIn() ? LiveConfig.builtIn(defaultConfig(), new ConfigLoader())
                    : LiveConfig.load(file(location), new ConfigLoader());
        } catch (InvalidConfigException e) {
            printErrors(err, errorLabel(location), e);
            return INVALID_CONFIG;
        }
        SwitchboardConfig config = reloader.get();
        ServerSettings listen = config.server().withAddress(host != null ? host : config.server().host(),
                port != null ? port : config.server().port());
        for (Warning warning : config.warnings()) {
            err.println("warning: " + warning);
        }
        // A SIGTERM while the gateway starts (its port open, its webapp not yet in, or in and /readyz already "ready")
        // waits for the start, then drains as a stop once started does: without it the JVM ended silently with 143,
        // and a request the webapp had just taken was dropped. A start that fails takes the hook away first: its own
        // exit code and error stand (or, signalled meanwhile, the hook says it stopped while starting).
        CompletableFuture<Gateway> started = new CompletableFuture<>();
        Thread hook = new Thread(() -> stopOnceStarted(started, reloader, err), "switchboard-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Gateway gateway;
        try {
            gateway = Gateway.start(reloader, reloader, listen);
        } catch (Gateway.StartFailure e) {
            err.println("error: " + e.getMessage());
            notStarted(hook, started, e);
            return INVALID_CONFIG;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            err.println("error: cannot listen on " + listen.host() + ":" + listen.port() + ": " + why(cause));
            notStarted(hook, started, e);
            return INVALID_CONFIG;
        } catch (Error e) {
            // A crash (no thread for the server, say), not a stop: the JVM ends with its error, not a success.
            notStarted(hook, started, new IllegalStateException(e));
            throw e;
        }
        reloader.start();
        // The one start line of SPEC 13 (version, config, address) in the log; the listening line on stdout.
        LOG.info("Switchboard {} started: config {}, listening on {}", Version.current(), label,
                url(gateway.host(), gateway.port()));
        out.println("Switchboard listening on " + url(gateway.host(), gateway.port()));
        out.flush();
        started.complete(gateway);
        try {
            gateway.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    /**
     * The JVM is shutting down (SIGTERM, SIGINT): drains the gateway ({@link Gateway#stop()}), then ends the
     * process with exit code 0. A stop that was asked for and carried out is a success; without this the
     * JVM reports 128 + the signal (143), which systemd and other supervisors count as a failure.
     */
    private static void stop(Gateway gateway, LiveConfig reloader, PrintStream err) {
        int code = STOP_FAILED;
        try {
            int cut = gateway.stop();
            LOG.info("Switchboard {} stopped{}", Version.current(), cut == 0 ? ""
                    : "; the drain time ran out and " + cut + " response(s) still in flight were cut");
            code = OK;
        } catch (Exception e) {
            err.println("error: the gateway did not stop cleanly: " + e);
        } finally {
            reloader.close();
            halt(code, err);
        }
    }

    /** Ends the process from the stop's hook with {@code code}, once the logs are written out. */
    private static void halt(int code, PrintStream err) {
        // The access log has a writer thread of its own (LoggingConfigurator): stopping the logging writes what it
        // still holds, so the lines of the exchanges the drain finished are not lost to halt().
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging) {
            logging.stop();
        }
        err.flush();
        System.out.flush();
        // halt, not exit: exit from a shutdown hook blocks forever, and only halt overrides the signal's status.
        Runtime.getRuntime().halt(code);
    }

    /** The start failed (its error printed): the hook is taken away, unless a signal came meanwhile and it runs. */
    private static void notStarted(Thread hook, CompletableFuture<Gateway> started, Throwable why) {
        started.completeExceptionally(why);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // A signal came during the start: the hook runs, and ends the process.
        }
    }

    /**
     * The JVM is shutting down (SIGTERM, SIGINT): once the gateway started ({@link #START_WAIT} at most), drains it
     * ({@link #stop}); a start that failed or did not end in time is said to have stopped while starting.
     */
    private static void stopOnceStarted(CompletableFuture<Gateway> started, LiveConfig reloader, PrintStream err) {
        Gateway gateway;
        try {
            gateway = started.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gateway = null;
        } catch (ExecutionException | TimeoutException e) {
            gateway = null;
        }
        if (gateway == null) {
            stoppedStarting(err);
        } else {
            stop(gateway, reloader, err);
        }
    }

    /** The JVM is shutting down before the gateway started: says so, and ends the process as a stop asked for (0). */
    private static void stoppedStarting(PrintStream err) {
        try {
            // The reloader is left as it is: the start may still be using it, and the process ends here.
            LOG.info("Switchboard {} stopped while starting (a SIGTERM or SIGINT before its start ended)",
                    Version.current());
        } finally {
            halt(OK, err);
        }
    }

    private static int validate(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || args[1].startsWith("--")) {
            throw new UsageException("validate takes exactly one PATH");
        }
        Path file = path(args[1], "PATH");
        SwitchboardConfig config;
        WithStore merged;
        try {
            ConfigLoader loader = new ConfigLoader();
            config = loader.load(file);
            merged = withStore(loader, config, file);
        } catch (InvalidConfigException e) {
            printErrors(err, file.toString(), e);
            return INVALID_CONFIG;
        }
        config = merged.config();
        for (Warning warning : config.warnings()) {
            err.println("warning: " + warning);
        }
        long redirects = config.rules().virtualModels().stream().filter(VirtualModel::isRedirect).count();
        long policies = config.rules().virtualModels().size() - redirects;
        out.println(file + ": valid (" + count(redirects, "redirect") + ", " + count(policies, "access policy") + ", "
                + count(config.rules().providers().size(), "provider") + ", " + count(config.warnings().size(), "warning") + ")");
        if (merged.database() != null) {
            out.println("admin store: " + merged.database() + ", not read (this command connects to no database): its rows"
                    + " are not counted above");
        } else if (merged.file() != null) {
            out.println("admin store: " + merged.file() + " (" + count(merged.rows(), "row")
                    + (merged.shadowed() == 0 ? ", counted above)"
                    : ": " + (merged.rows() - merged.shadowed()) + " counted above, " + merged.shadowed()
                            + " shadowed by the config file)"));
        }
        return OK;
    }

    /**
     * The configuration a node starts with from a config file: with the rows of its admin store when that is a file
     * (read once, without the store's lock; nothing cleaned up). A database store is not connected to.
     *
     * @param config the config file's configuration
     * @param file the config file, or {@code null} for the built-in one (its store is in the working directory)
     * @return the merged configuration and what of the store it holds
     * @throws InvalidConfigException when the store file cannot be read or its rows are invalid, as at a start
     */
    private static WithStore withStore(ConfigLoader loader, SwitchboardConfig config, Path file) {
        // Made as a start makes it: a database store's address is judged by its store (installed or not, its
        // parameters), and never connected to.
        AdminStore opened = AdminStores.open(config.admin(), file);
        if (!(opened instanceof FileAdminStore store)) {
            opened.close();
            return new WithStore(config, null, 0, 0, opened.location());
        }
        StoreContents contents;
        try {
            contents = store.read();
        } catch (IOException e) {
            throw InvalidConfigException.storeUnreadable(List.of(String.valueOf(e.getMessage())));
        }
        if (!contents.exists()) {
            return new WithStore(config, null, 0, 0, null);
        }
        List<VirtualModel> rows = LiveConfig.storedRows(loader, store.name(), contents, config.rules().providers().keySet());
        SwitchboardConfig merged = loader.merge(config, rows, store.name());
        // A config row overrides a store row of its source (and a store policy spelled like one of its own): left out.
        int inForce = merged.rules().virtualModels().size() - config.rules().virtualModels().size();
        return new WithStore(merged, store.file(), rows.size(), rows.size() - inForce, null);
    }

    /**
     * @param config the configuration a node would decide with
     * @param file the admin store file whose rows it holds, or {@code null} (none there, or a database)
     * @param rows how many rows that file holds
     * @param shadowed how many of them the config file's rows leave out
     * @param database where a database store is (no credential), which is not read, or {@code null}
     */
    private record WithStore(SwitchboardConfig config, Path file, int rows, int shadowed, String database) {
    }

    private static int explain(String[] args, PrintStream out, PrintStream err) {
        String configPath = null;
        String model = null;
        String userPath = null;
        String clientName = null;
        boolean json = false;
        once(args, 1);
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configPath = value(args, ++i, "--config");
                case "--model" -> model = value(args, ++i, "--model");
                case "--user-path" -> userPath = value(args, ++i, "--user-path");
                case "--client" -> clientName = value(args, ++i, "--client");
                case "--json" -> json = true;
                default -> throw new UsageException("unknown option '" + args[i] + "'");
            }
        }
        if (model == null || model.isBlank()) {
            throw new UsageException("explain needs --model M");
        }
        String unusable = ModelNames.problem(model);
        if (unusable != null) {
            // A request naming it is refused (400 invalid_model) before any rule is read: nothing to explain.
            throw new UsageException("invalid --model \"" + ModelNames.visible(model) + "\": " + unusable
                    + " (a request naming it gets 400)");
        }
        String normalizedPath = null;
        if (userPath != null) {
            try {
                normalizedPath = UserPath.normalize(userPath);
            } catch (InvalidUserPathException e) {
                throw new UsageException("invalid --user-path \"" + userPath + "\": " + e.getMessage());
            }
        }
        ConfigLocation location = ConfigLocation.find(ConfigLocation.Fallback.DEFAULT_FILE_OR_BUILT_IN, configPath);
        String label = location.builtIn() ? "(built-in default)" : location.label();
        SwitchboardConfig config;
        try {
            ConfigLoader loader = new ConfigLoader();
            config = location.builtIn() ? loader.parse(defaultConfig()) : loader.load(file(location));
            WithStore merged = withStore(loader, config, location.builtIn() ? null : file(location));
            config = merged.config();
            if (merged.database() != null) {
                label += " (admin store " + merged.database() + " not read: this command connects to no database)";
            } else if (merged.file() != null) {
                label += " and admin store " + merged.file() + " (" + count(merged.rows(), "row")
                        + (merged.shadowed() == 0 ? "" : ", " + merged.shadowed() + " shadowed by the config file") + ")";
            }
        } catch (InvalidConfigException e) {
            printErrors(err, errorLabel(location), e);
            return INVALID_CONFIG;
        }
        String caller = normalizedPath;
        if (clientName != null) {
            Client client = config.rules().identity().client(clientName);
            if (client == null) {
                List<String> names = new ArrayList<>();
                config.rules().identity().clients().forEach(c -> names.add(c.name()));
                throw new UsageException("unknown --client '" + clientName + "'"
                        + (names.isEmpty() ? " (the config has no identity.clients)" : " (clients: " + String.join(", ", names) + ")"));
            }
            // A key's bound path overrides any other source (SPEC section 2).
            if (client.userPath() != null) {
                caller = client.userPath();
            }
        }
        Decision d = Resolver.explain(config.rules(), model, new Caller(caller, clientName, null), Picker.create());
        if (d.outcome() == dev.switchboard.rules.Outcome.ALLOWED && !ModelNames.sendable(d.upstreamModel())) {
            // Allowed, yet refused as sent (400 invalid_model, after the policy, as a request is): nothing to explain.
            throw new UsageException("invalid --model \"" + ModelNames.visible(model) + "\": " + ModelNames.URL_DELIMITER
                    + " (a request naming it gets 400)");
        }
        if (json) {
            out.println(toJson(d, caller));
        } else {
            printText(out, label, caller, d);
        }
        return switch (d.outcome()) {
            case ALLOWED -> OK;
            case DENIED, DISABLED -> DENIED;
            case NOT_FOUND, PROVIDER_UNAVAILABLE -> NOT_ROUTABLE;
        };
    }

    /** {@code experiments}: a running gateway's experiments report, as text (SPEC section 10). */
    private static int experiments(String[] args, PrintStream out, PrintStream err) {
        String url = "http://127.0.0.1:8080";
        String token = System.getenv("SWITCHBOARD_ADMIN_TOKEN");
        String source = null;
        boolean json = false;
        once(args, 1);
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = value(args, ++i, "--url");
                case "--token" -> token = value(args, ++i, "--token");
                case "--json" -> json = true;
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new UsageException("unknown option '" + args[i] + "'");
                    }
                    if (source != null) {
                        throw new UsageException("experiments takes one SOURCE at most, got '" + source + "' and '" + args[i] + "'");
                    }
                    source = args[i];
                }
            }
        }
        URI uri;
        try {
            uri = URI.create(url.replaceAll("/+$", "") + "/admin/experiments" + (source == null ? ""
                    // In the query, a name a path cannot carry: Jetty refuses an encoded '%' or '\' in one, and a '.'
                    // or '..' segment would be resolved away.
                    : source.matches("(?s).*[%\\\\].*|(.*/)?\\.{1,2}(/.*)?")
                    ? "?source=" + java.net.URLEncoder.encode(source, StandardCharsets.UTF_8)
                    : "/" + URIUtil.encodePath(source)));
            if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid --url \"" + url + "\": " + e.getMessage());
        }
        HttpResponse<byte[]> response;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10)).GET();
            if (token != null && !token.isEmpty()) {
                request.header("Authorization", "Bearer " + token);
            }
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            err.println("error: cannot reach " + uri + ": " + why(e));
            return UNAVAILABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted");
            return UNAVAILABLE;
        }
        Object body = JsonTree.parse(response.body());
        if (response.statusCode() != 200) {
            Object message = ExperimentsText.map(ExperimentsText.map(body).get("error")).get("message");
            err.println("error: " + uri + " answered " + response.statusCode()
                    + (message != null ? ": " + message : response.statusCode() == 401 ? ": wrong or missing --token" : ""));
            return UNAVAILABLE;
        }
        if (json) {
            out.println(new String(response.body(), StandardCharsets.UTF_8));
            return OK;
        }
        List<Object> reports = source == null ? ExperimentsText.list(body) : List.of(body);
        if (reports.isEmpty()) {
            out.println("no experiments (a redirect with several targets, or one whose target changed within "
                    + "experiments.window)");
        }
        for (int i = 0; i < reports.size(); i++) {
            if (i > 0) {
                out.println();
            }
            ExperimentsText.print(out, ExperimentsText.map(reports.get(i)));
        }
        return OK;
    }

    private static void printText(PrintStream out, String label, String callerPath, Decision d) {
        out.println("config:         " + label);
        out.println("requested:      " + d.requested());
        out.println("caller path:    " + (callerPath == null ? "(none)" : callerPath));
        out.println("redirect:       " + (d.redirect() == null ? "(none)" : d.redirect() + " -> "
                + (d.target() == null ? "(no target this caller may use: a fallback answers)" : d.target())));
        out.println("concrete:       " + d.concrete());
        out.println("provider:       " + (d.provider() == null ? "(none)" : d.provider()));
        out.println("upstream model: " + d.upstreamModel());
        out.println("policy:         " + (d.policy() == null ? "(none)" : d.policy()));
        ApiError error = ApiError.forOutcome(d.outcome());
        out.println("result:         " + (error == null ? "allowed" : (error.status() == 403 ? "denied: " : "not routable: ")
                + error.status() + " " + error.code() + " ("
                + error.with(d.outcome() == Outcome.NOT_FOUND ? d.concrete() : d.provider()).message() + ")"));
        out.println("reason:         " + d.reason());
        out.println("steps:");
        for (int i = 0; i < d.steps().size(); i++) {
            out.println("  " + (i + 1) + ". " + d.steps().get(i));
        }
    }

    /** {@code explain --json}: the admin API's writer of a decision, with the keys of SPEC section 8. */
    static String toJson(Decision d, String callerPath) {
        return new String(DecisionView.of(d, callerPath).brief().json(), StandardCharsets.UTF_8);
    }

    static byte[] defaultConfig() {
        try (InputStream in = Cli.class.getResourceAsStream(DEFAULT_CONFIG_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + DEFAULT_CONFIG_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void printErrors(PrintStream err, String label, InvalidConfigException e) {
        err.println(label + (e.storeUnreadable() ? ": the admin store cannot be read (" : ": invalid configuration (")
                + e.errors().size() + (e.errors().size() == 1 ? " error)" : " errors)"));
        for (String error : e.errors()) {
            err.println("error: " + error);
        }
    }

    private static String count(long n, String noun) {
        String plural = noun.endsWith("y") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
        return n + " " + (n == 1 ? noun : plural);
    }

    /** @return {@code http://host:port}, an IPv6 address in brackets (RFC 3986) */
    static String url(String host, int port) {
        return "http://" + (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** @return why a network operation failed, in words (never a Java class name) */
    static String why(Throwable e) {
        Throwable cause = e.getCause();
        if (cause != null && cause != e && (e.getMessage() == null || e.getMessage().equals(cause.toString()))) {
            // A wrapper that says nothing of its own, or only its cause's class name.
            return why(cause);
        }
        if (e.getMessage() != null && !e.getMessage().isBlank()) {
            return e.getMessage();
        }
        if (e instanceof java.nio.channels.UnresolvedAddressException || e instanceof java.net.UnknownHostException) {
            return "the host name does not resolve";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time";
        }
        return "the network operation failed";
    }

    /**
     * Refuses an option given twice: {@code --port 8080 ... --port 9090} (a wrapper script's default and the
     * operator's own) would otherwise run with whichever came last, without a word.
     */
    private static void once(String[] args, int from) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = from; i < args.length; i++) {
            if (args[i].startsWith("--") && !seen.add(args[i])) {
                throw new UsageException(args[i] + " is given twice; give it once");
            }
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        if (args[i].isEmpty()) {
            // `--config "$CFG"` with CFG unset: the built-in demo would serve instead of the operator's file.
            throw new UsageException(option + " needs a value, not an empty one");
        }
        return args[i];
    }

    /** The config file of a location named on the command line or by the environment. */
    private static Path file(ConfigLocation location) {
        try {
            return location.file();
        } catch (InvalidPathException e) {
            throw new UsageException("invalid --config \"" + location.path() + "\": " + e.getReason());
        }
    }

    /** What errors of a config are printed under: the path as named, else just "config". */
    private static String errorLabel(ConfigLocation location) {
        return location.builtIn() || location.source() == ConfigLocation.Source.DEFAULT_FILE ? "config" : location.path();
    }

    private static Path path(String value, String what) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new UsageException("invalid " + what + " \"" + value + "\": " + e.getReason());
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("error: " + message);
        err.print(USAGE_TEXT);
        return USAGE;
    }

    /** A bad command line; stackless, it is only ever turned into exit code 2. */
    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
