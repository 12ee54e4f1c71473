package dev.switchboard.containers;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A stock Jetty 12.1 from {@code jetty-home}: a base made as the README says
 * ({@code java -jar start.jar --add-modules=server,http,ee10-deploy}), then {@code java -jar start.jar} on a free
 * port of 127.0.0.1. Its server log is its stderr (the default {@code logging-jetty} module), kept in
 * {@code stderr.txt} of the base.
 */
final class StandaloneJetty extends StockContainer {

    /** {@code Started oejs.ServerConnector@1b2c3d{HTTP/1.1, (http/1.1)}{127.0.0.1:40123}} */
    private static final Pattern PORT = Pattern.compile("Started oejs\\.ServerConnector@\\S+\\{[^}]*\\}\\{[^}]*:(\\d+)\\}");

    StandaloneJetty(Path home, Path base) throws IOException, InterruptedException {
        super(home, base);
        runToEnd(command(base, List.of(java(), "-jar", home.resolve("start.jar").toString(),
                "--add-modules=server,http,ee10-deploy")), base.resolve("add-modules.txt"));
        // Jetty unpacks WARs into $JETTY_BASE/work when it exists (else into java.io.tmpdir, outside target/).
        Files.createDirectories(base.resolve("work"));
    }

    @Override
    void deployWar(Path war, String contextPath, String name, String value) throws IOException {
        String app = contextPath.substring(1);
        copy(war, base.resolve("webapps").resolve(app + ".war"));
        // Jetty's place for one webapp's context parameters: a context XML of the same name beside the WAR.
        Files.writeString(base.resolve("webapps").resolve(app + ".xml"), """
                <?xml version="1.0"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <Configure class="org.eclipse.jetty.ee10.webapp.WebAppContext">
                  <Set name="contextPath">%s</Set>
                  <Set name="war"><Property name="jetty.webapps"/>/%s.war</Set>
                  <Call name="setInitParameter"><Arg>%s</Arg><Arg>%s</Arg></Call>
                </Configure>
                """.formatted(contextPath, app, name, value), UTF_8);
    }

    @Override
    ProcessHandle launch() throws IOException {
        // A JVM flag for a quick start (C1 only); Jetty itself runs as shipped.
        ProcessBuilder builder = command(base, List.of(java(), "-XX:TieredStopAtLevel=1", "-jar",
                home.resolve("start.jar").toString(), "jetty.http.host=127.0.0.1", "jetty.http.port=0"));
        return builder.redirectOutput(base.resolve("stdout.txt").toFile()).redirectError(logFile().toFile()).start().toHandle();
    }

    @Override
    String startedMarker() {
        return ":oejs.Server:main: Started oejs.Server@";
    }

    @Override
    Pattern portPattern() {
        return PORT;
    }

    @Override
    Path logFile() {
        return base.resolve("stderr.txt");
    }
}
