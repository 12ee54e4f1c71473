package dev.switchboard.jetty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The container recipe and the Kubernetes manifests under {@code deploy/}, read as Docker and kubectl would
 * (no Docker or cluster here): every manifest parses, the pieces name each other consistently, the config in
 * the ConfigMap is {@code deploy/switchboard.yaml} word for word and {@code validate} accepts it, and the
 * Dockerfile copies files that exist and the jar the build makes.
 */
final class DeployManifestsIT {

    private static final Path ROOT = Path.of(System.getProperty("switchboard.jar")).toAbsolutePath()
            .getParent().getParent().getParent();
    private static final Path MANIFESTS = ROOT.resolve("deploy/kubernetes");

    private static Map<String, Map<String, Object>> byKind;
    private static String config;

    @BeforeAll
    static void read() throws IOException {
        byKind = new java.util.LinkedHashMap<>();
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path file : files.sorted().toList()) {
                for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file, UTF_8))) {
                    Map<String, Object> m = map(doc);
                    assertThat(m).as(file.toString()).containsKeys("apiVersion", "kind", "metadata");
                    assertThat(map(m.get("metadata")).get("name")).as(file.toString()).isInstanceOf(String.class);
                    assertThat(byKind.put((String) m.get("kind"), m)).as("one " + m.get("kind")).isNull();
                }
            }
        }
        config = Files.readString(ROOT.resolve("deploy/switchboard.yaml"), UTF_8);
    }

    @Test
    void shouldHaveTheFourPiecesOfADeployment() {
        assertThat(byKind).containsOnlyKeys("ConfigMap", "Secret", "Deployment", "Service");
    }

    @Test
    void shouldCarryTheContainerConfigWordForWordAndValidIt(@TempDir Path dir) throws IOException {
        Object inMap = map(byKind.get("ConfigMap").get("data")).get("switchboard.yaml");
        assertThat(inMap).isEqualTo(config);
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, (String) inMap, UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Cli.run(new String[] {"validate", file.toString()}, new PrintStream(out, true, UTF_8),
                new PrintStream(err, true, UTF_8));

        assertThat(code).as(err.toString(UTF_8)).isZero();
        assertThat(out.toString(UTF_8)).contains(": valid (");
    }

    @Test
    void shouldWireTheDeploymentToTheConfigMapSecretAndProbes() {
        Map<String, Object> pod = map(map(map(byKind.get("Deployment").get("spec")).get("template")).get("spec"));
        Map<String, Object> container = map(list(pod.get("containers")).get(0));
        // Probes: readiness on /readyz (503 while draining), liveness on /healthz, on the named port 8080.
        assertThat(map(map(container.get("readinessProbe")).get("httpGet"))).containsEntry("path", "/readyz")
                .containsEntry("port", "http");
        assertThat(map(map(container.get("livenessProbe")).get("httpGet"))).containsEntry("path", "/healthz")
                .containsEntry("port", "http");
        assertThat(map(list(container.get("ports")).get(0))).containsEntry("name", "http").containsEntry("containerPort", 8080);
        SwitchboardConfig parsed = new ConfigLoader(name -> null).parse(config);
        assertThat(parsed.server().port()).isEqualTo(8080);

        // The config file is where SWITCHBOARD_CONFIG says: the ConfigMap's key in the config volume's folder.
        String configPath = env(container, "SWITCHBOARD_CONFIG");
        String configMount = mount(container, volume(pod, v -> v.containsKey("configMap")
                && "switchboard-config".equals(map(v.get("configMap")).get("name"))));
        assertThat(configPath).isEqualTo(configMount + "/switchboard.yaml");
        assertThat(map(byKind.get("ConfigMap").get("metadata"))).containsEntry("name", "switchboard-config");

        // The admin store is on a writable volume (the ConfigMap's folder is read-only).
        String store = parsed.admin().store();
        String storeMount = mount(container, volume(pod, v -> v.containsKey("emptyDir")
                && store.startsWith(mountOf(container, (String) v.get("name")) + "/")));
        assertThat(store).startsWith(storeMount + "/");

        // Every ${VAR} the config reads comes from the Secret (or is the port, which has a default).
        String secret = (String) map(map(list(container.get("envFrom")).get(0)).get("secretRef")).get("name");
        assertThat(map(byKind.get("Secret").get("metadata"))).containsEntry("name", secret);
        Map<String, Object> keys = map(byKind.get("Secret").get("stringData"));
        Matcher vars = Pattern.compile("\\$\\{([A-Z_]+)").matcher(config);
        List<String> read = new ArrayList<>();
        while (vars.find()) {
            read.add(vars.group(1));
        }
        assertThat(read).isNotEmpty().allSatisfy(v -> assertThat(keys.containsKey(v) || v.equals("SWITCHBOARD_PORT"))
                .as(v).isTrue());

        // Regression: Kubernetes names a Service's address SWITCHBOARD_PORT=tcp://IP:80 in every pod started after the
        // Service switchboard, and the config reads SWITCHBOARD_PORT as server.port: the pods exited 1.
        assertThat(byKind.get("Service")).isNotNull();
        assertThat(pod).containsEntry("enableServiceLinks", false);
        assertThat(list(container.get("env"))).map(e -> map(e))
                .anySatisfy(e -> assertThat(e).containsEntry("name", "SWITCHBOARD_PORT").containsEntry("value", "8080"));

        // The kubelet waits for the whole drain before it kills the pod.
        long drain = parsed.server().drainDelay().toSeconds() + parsed.server().drainTimeout().toSeconds();
        assertThat(((Number) pod.get("terminationGracePeriodSeconds")).longValue()).isGreaterThan(drain);
        // The image's user (Dockerfile USER) is the pod's.
        assertThat(map(pod.get("securityContext"))).containsEntry("runAsUser", 10001).containsEntry("runAsNonRoot", true);
    }

    @Test
    void shouldSelectThePodsFromTheService() {
        Map<String, Object> labels = map(map(map(map(byKind.get("Deployment").get("spec")).get("template"))
                .get("metadata")).get("labels"));
        Map<String, Object> service = map(byKind.get("Service").get("spec"));
        assertThat(labels).containsAllEntriesOf(map(service.get("selector")));
        assertThat(map(list(service.get("ports")).get(0))).containsEntry("targetPort", "http");
    }

    @Test
    void shouldBuildTheImageFromFilesThatExist() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"), UTF_8);
        // The run stage takes the jar the build makes, under the name this build gives it.
        assertThat(dockerfile).contains("COPY --from=build /src/jetty-bundle/target/switchboard.jar ");
        assertThat(Path.of(System.getProperty("switchboard.jar")).getFileName()).hasToString("switchboard.jar");
        Matcher copies = Pattern.compile("(?m)^COPY (?!--from)(\\S+) (\\S+)$").matcher(dockerfile);
        int n = 0;
        while (copies.find()) {
            if (!copies.group(1).equals(".")) {
                assertThat(ROOT.resolve(copies.group(1))).as(copies.group()).isRegularFile();
                n++;
            }
        }
        assertThat(n).isPositive();
        // The image's config is the one the manifests carry, at the path SWITCHBOARD_CONFIG names.
        assertThat(dockerfile).contains("COPY deploy/switchboard.yaml /etc/switchboard/switchboard.yaml",
                "SWITCHBOARD_CONFIG=/etc/switchboard/switchboard.yaml", "USER 10001:10001", "GET /readyz");
        // The class-data archive is made in the image (as root, before USER) and used by its entry point.
        assertThat(dockerfile).contains("RUN /opt/switchboard/cds-archive.sh /opt/switchboard/switchboard.jar "
                + "/opt/switchboard/switchboard.jsa", "-XX:SharedArchiveFile=/opt/switchboard/switchboard.jsa -jar");
        assertThat(dockerfile.indexOf("RUN /opt/switchboard/cds-archive.sh")).isLessThan(dockerfile.indexOf("USER 10001"))
                .isGreaterThan(dockerfile.indexOf("JAVA_OPTS="));
    }

    @Test
    void shouldMakeAClassDataArchiveTheJarStartsFrom(@TempDir Path dir) throws Exception {
        // The Dockerfile's step, run here with this JDK: the jar's training run on its demo, then an archive that maps.
        Path archive = dir.resolve("switchboard.jsa");
        ProcessBuilder script = new ProcessBuilder("bash", ROOT.resolve("deploy/cds-archive.sh").toString(),
                System.getProperty("switchboard.jar"), archive.toString()).redirectErrorStream(true);
        // This JDK's java first on the PATH, as in the image.
        script.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        Process make = script.start();
        String said = new String(make.getInputStream().readAllBytes(), UTF_8);
        assertThat(make.waitFor()).as(said).isZero();
        assertThat(said).startsWith(archive + ": ");
        assertThat(Files.size(archive)).isGreaterThan(1 << 20);

        // -Xshare:on: a JVM that cannot map the archive refuses to start; the jar's own classes come from it.
        Path log = dir.resolve("classes.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process run = new ProcessBuilder(java, "-Xshare:on", "-XX:SharedArchiveFile=" + archive,
                "-Xlog:class+load=info:file=" + log, "-jar", System.getProperty("switchboard.jar"), "--version")
                .redirectErrorStream(true).start();
        String version = new String(run.getInputStream().readAllBytes(), UTF_8);
        assertThat(run.waitFor()).as(version).isZero();
        assertThat(Files.readString(log, UTF_8)).contains("dev.switchboard.jetty.Cli source: shared objects file (top)");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String env(Map<String, Object> container, String name) {
        return list(container.get("env")).stream().map(DeployManifestsIT::map).filter(e -> name.equals(e.get("name")))
                .map(e -> (String) e.get("value")).findFirst().orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static String volume(Map<String, Object> pod, java.util.function.Predicate<Map<String, Object>> which) {
        return list(pod.get("volumes")).stream().map(DeployManifestsIT::map).filter(which)
                .map(v -> (String) v.get("name")).findFirst().orElseThrow(() -> new AssertionError("no such volume"));
    }

    private static String mount(Map<String, Object> container, String volume) {
        String path = mountOf(container, volume);
        assertThat(path).as("mount of volume " + volume).isNotNull();
        return path;
    }

    private static String mountOf(Map<String, Object> container, String volume) {
        return list(container.get("volumeMounts")).stream().map(DeployManifestsIT::map)
                .filter(m -> volume.equals(m.get("name"))).map(m -> (String) m.get("mountPath")).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static List<?> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<?>) o;
    }
}
