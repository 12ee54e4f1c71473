package dev.switchboard.containers;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A stock Tomcat started by its own {@code bin/catalina.sh start}, which sends the JVM's stdout and stderr to
 * {@code logs/catalina.out} of the base. The base holds a copy of the distribution's {@code conf/} with its
 * logging untouched and two edits, so that several builds can run at once: no shutdown port, and the HTTP
 * connector on a free port of 127.0.0.1.
 */
final class StandaloneTomcat extends StockContainer {

    /** With port 0 the connector's name ends with the port it bound: {@code "http-nio-127.0.0.1-auto-1-40123"}. */
    private static final Pattern PORT = Pattern.compile("Starting ProtocolHandler \\[\"http-nio-[^\"]*-(\\d+)\"\\]");

    StandaloneTomcat(Path home, Path base) throws IOException {
        super(home, base);
        for (String dir : List.of("logs", "temp", "work", "webapps", "conf/Catalina/localhost")) {
            Files.createDirectories(base.resolve(dir));
        }
        try (Stream<Path> files = Files.list(home.resolve("conf"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                copy(f, base.resolve("conf").resolve(f.getFileName()));
            }
        }
        Path serverXml = base.resolve("conf/server.xml");
        String stock = Files.readString(serverXml, UTF_8);
        String edited = stock.replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                .replace("<Connector port=\"8080\" protocol=\"HTTP/1.1\"",
                        "<Connector port=\"0\" address=\"127.0.0.1\" protocol=\"HTTP/1.1\"");
        assertThat(edited).as("conf/server.xml of %s with the stock shutdown port and connector", home)
                .contains("<Server port=\"-1\"", "<Connector port=\"0\"");
        Files.writeString(serverXml, edited, UTF_8);
    }

    @Override
    void deployWar(Path war, String contextPath, String name, String value) throws IOException {
        String app = contextPath.substring(1);
        copy(war, base.resolve("webapps").resolve(app + ".war"));
        // Tomcat's place for one webapp's context parameters: conf/Catalina/localhost/APP.xml.
        Files.writeString(base.resolve("conf/Catalina/localhost").resolve(app + ".xml"), """
                <Context>
                  <Parameter name="%s" value="%s" override="false"/>
                </Context>
                """.formatted(name, value), UTF_8);
    }

    @Override
    ProcessHandle launch() throws IOException, InterruptedException {
        Path pid = base.resolve("tomcat.pid");
        ProcessBuilder builder = command(base, List.of("sh", home.resolve("bin/catalina.sh").toString(), "start"));
        builder.environment().put("CATALINA_HOME", home.toString());
        builder.environment().put("CATALINA_BASE", base.toString());
        builder.environment().put("CATALINA_PID", pid.toString());
        // A JVM flag for a quick start (C1 only); Tomcat itself runs as shipped.
        builder.environment().put("CATALINA_OPTS", "-XX:TieredStopAtLevel=1");
        runToEnd(builder, base.resolve("catalina-start.txt"));
        long id = Long.parseLong(Files.readString(pid, UTF_8).strip());
        return ProcessHandle.of(id).orElseThrow(() -> new AssertionError("Tomcat (pid " + id + ") ended; catalina.out:\n" + log()));
    }

    @Override
    String startedMarker() {
        return "org.apache.catalina.startup.Catalina.start Server startup in ";
    }

    @Override
    Pattern portPattern() {
        return PORT;
    }

    @Override
    Path logFile() {
        return base.resolve("logs/catalina.out");
    }
}
