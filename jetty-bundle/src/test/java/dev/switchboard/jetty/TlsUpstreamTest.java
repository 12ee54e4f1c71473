package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** An HTTPS upstream whose certificate the JVM does not trust: the client is told it was the TLS handshake. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TlsUpstreamTest {

    private final Map<String, Completion> completions = new ConcurrentHashMap<>();
    private final AtomicInteger served = new AtomicInteger();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Server upstream;
    private Gateway gateway;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        // A self-signed certificate for 127.0.0.1, made by the JDK's own keytool: no CA the JVM knows signed it.
        Path keystore = dir.resolve("upstream.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "upstream", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        assertThat(Files.size(keystore)).isPositive();

        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keystore.toString());
        tls.setKeyStorePassword("changeit");
        upstream = new Server();
        ServerConnector connector = new ServerConnector(upstream, tls);
        connector.setHost("127.0.0.1");
        upstream.addConnector(connector);
        upstream.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                served.incrementAndGet();
                response.setStatus(200);
                response.write(true, java.nio.ByteBuffer.wrap("{}".getBytes()), callback);
                return true;
            }
        });
        upstream.start();

        gateway = TestGateway.start("""
                providers:
                  secure: {type: openai-compatible, base_url: "https://127.0.0.1:%d", api_key: sk-secure}
                default_provider: secure
                """.formatted(connector.getLocalPort()), new ExchangeListener() {
                    @Override
                    public void onComplete(Exchange exchange, Completion completion) {
                        completions.put(exchange.id(), completion);
                    }
                });
    }

    @AfterAll
    void stop() throws Exception {
        gateway.stop();
        upstream.stop();
    }

    @Test
    void shouldSayTheTlsHandshakeFailedAndWhyWhenTheUpstreamsCertificateIsNotTrusted() throws Exception {
        // "provider secure is unreachable" alone sent an operator checking firewalls and DNS for a certificate problem.
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + "/v1/chat/completions")).header("Content-Type", "application/json").header("X-Request-Id", "tls-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"secure/m\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).startsWith("{\"error\":{\"message\":\"provider secure is unreachable: the TLS handshake failed "
                + "(its certificate is not signed by a CA this JVM trusts)\"")
                .contains("\"type\":\"api_error\"").contains("\"code\":\"upstream_unavailable\"");
        assertThat(served).as("no request got past the handshake").hasValue(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> completions.containsKey("tls-1"));
        assertThat(completions.get("tls-1").errorCode()).isEqualTo("upstream_unavailable");
    }

    @Test
    void shouldNameTheOtherCertificateProblemsAndLeaveOtherFailuresAlone() {
        // The chains the JDK's TLS stack builds, as Jetty's client hands them on (wrapped once more).
        javax.net.ssl.SSLHandshakeException expired = new javax.net.ssl.SSLHandshakeException("PKIX path validation failed: "
                + "java.security.cert.CertPathValidatorException: validity check failed");
        expired.initCause(new java.security.cert.CertificateExpiredException("NotAfter: Tue Dec 01 00:00:00 UTC 2026"));
        javax.net.ssl.SSLHandshakeException host = new javax.net.ssl.SSLHandshakeException(
                "No subject alternative names matching IP address 10.0.0.7 found");
        javax.net.ssl.SSLHandshakeException protocol = new javax.net.ssl.SSLHandshakeException(
                "javax.net.ssl.SSLHandshakeException: No appropriate protocol (protocol is disabled or cipher suites are inappropriate)");

        assertThat(GatewayProxyServlet.tls(new java.io.IOException(expired))).isEqualTo("its certificate has expired or is not valid yet");
        assertThat(GatewayProxyServlet.tls(new java.io.IOException(host))).isEqualTo("its certificate does not name the host");
        assertThat(GatewayProxyServlet.tls(protocol))
                .isEqualTo("No appropriate protocol (protocol is disabled or cipher suites are inappropriate)");
        assertThat(GatewayProxyServlet.tls(new javax.net.ssl.SSLException("Tag mismatch"))).as("after the handshake").isNull();
        assertThat(GatewayProxyServlet.tls(new java.net.ConnectException("Connection refused"))).isNull();
    }
}
