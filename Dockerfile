# Switchboard as a container: the bundled proxy (switchboard.jar) on a JRE, as a non-root user.
#   docker build -t switchboard .
#   export OPENAI_API_KEY=... ANTHROPIC_API_KEY=... SWITCHBOARD_ADMIN_TOKEN=$(openssl rand -hex 32)   # keep the token
#   docker run -p 8080:8080 -e OPENAI_API_KEY -e ANTHROPIC_API_KEY -e SWITCHBOARD_ADMIN_TOKEN switchboard
# Your own config: mount it over /etc/switchboard/switchboard.yaml (it is hot-reloaded when it changes).
# Admin edits (the file admin store) go to /var/lib/switchboard: mount a volume there to keep them.

# ---- build: the same Maven build as the README, tests skipped (CI runs them) ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -Dswitchboard.cds.skip=true -pl jetty-bundle -am package

# ---- run ----
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 switchboard \
 && useradd --system --uid 10001 --gid switchboard --home-dir /var/lib/switchboard --shell /usr/sbin/nologin switchboard \
 && mkdir -p /opt/switchboard /etc/switchboard /var/lib/switchboard \
 && chown switchboard:switchboard /var/lib/switchboard
COPY --from=build /src/jetty-bundle/target/switchboard.jar /opt/switchboard/switchboard.jar
COPY deploy/cds-archive.sh /opt/switchboard/cds-archive.sh
COPY deploy/switchboard.yaml /etc/switchboard/switchboard.yaml
ENV SWITCHBOARD_CONFIG=/etc/switchboard/switchboard.yaml \
    SWITCHBOARD_PORT=8080 \
    JAVA_OPTS="-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError"
# AppCDS for this image's JRE (README "Deploy it"): one run of the jar on its built-in demo stores the classes a start
# and a first exchange load; every start of the image maps them and listens in about 0.65 x the time.
RUN /opt/switchboard/cds-archive.sh /opt/switchboard/switchboard.jar /opt/switchboard/switchboard.jsa
USER 10001:10001
WORKDIR /var/lib/switchboard
EXPOSE 8080
# No curl in the JRE image: bash's /dev/tcp asks /readyz (200 once serving) and wants a 200 on the status line.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SWITCHBOARD_PORT} && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# exec: java is PID 1 and gets SIGTERM itself (it drains, then exits 0).
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -XX:SharedArchiveFile=/opt/switchboard/switchboard.jsa -jar /opt/switchboard/switchboard.jar \"$@\"", "switchboard"]
