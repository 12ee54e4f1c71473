# Sourced by run.sh and flags.sh: the upstream every arm proxies to, nginx on 127.0.0.1:18081 (on core 0 with PIN0)
# answering `return 200` with a fixed chat completion (usage included) under /v1/ and a 64-event SSE stream under
# /sse/v1/; and the 1 KB chat body wrk sends. Needs WORK and PIN0; writes WORK/body.json, answer.json, answer.sse
# and WORK/mock/ (its pid in WORK/mock/nginx.pid: the caller stops it). gateway_yaml PORT EXTRA prints
# the config of a gateway in front of it: `regular` a 1:1 split of two targets, `streamy` the stream, plus EXTRA.
# nginx_head DIR: the start of an nginx.conf whose pid, log and temporary files are in DIR, up to its http block's
# own directives (one worker, no access log, connections kept for the whole run); the caller writes the rest.
nginx_head() {
  cat <<NGX
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1;
  uwsgi_temp_path $1; scgi_temp_path $1;
NGX
}

start_nginx_mock() {
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
msgs, i = [], 0
while len(json.dumps({"model": "regular", "messages": msgs})) < 1024 - 120:
    msgs.append({"role": "user", "content": "Why is the sky blue? Answer briefly. " + str(i)}); i += 1
open(work + "/body.json", "w").write(json.dumps({"messages": msgs, "model": "regular"}))
answer = {"id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": "gpt-bench",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "Rayleigh scattering."},
                       "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 212, "completion_tokens": 5, "total_tokens": 217}}
open(work + "/answer.json", "w").write(json.dumps(answer, separators=(",", ":")))
events = []
for k in range(64):
    chunk = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-bench",
             "choices": [{"index": 0, "delta": {"content": "tok%d " % k}, "finish_reason": None}]}
    events.append("data: " + json.dumps(chunk, separators=(",", ":")) + "\n\n")
events.append("data: [DONE]\n\n")
open(work + "/answer.sse", "w").write("".join(events))
PY
mkdir -p "$WORK/mock/static/chat" "$WORK/nginx"
chmod 755 "$WORK"   # nginx's workers (user nobody when started as root) read the stream's file
cp "$WORK/answer.sse" "$WORK/mock/static/chat/completions"
{ nginx_head "$WORK/mock"; cat <<NGX
  server {
    listen 127.0.0.1:18081;
    client_max_body_size 64m; client_body_buffer_size 1m;
    location /v1/ { default_type application/json; return 200 '$(cat "$WORK/answer.json")'; }
    # The stream is longer than a config token may be (4 KB): a file, served to a POST by the 405 -> GET trick.
    location /sse/v1/ { alias $WORK/mock/static/; default_type text/event-stream; error_page 405 =200 \$uri; }
  }
}
NGX
} > "$WORK/mock/nginx.conf"
$PIN0 nginx -c "$WORK/mock/nginx.conf" -p "$WORK/mock"
}

gateway_yaml() { # gateway_yaml PORT EXTRA
  cat <<YAML
server: {host: 127.0.0.1, port: $1}
providers:
  mock: {type: openai-compatible, base_url: "http://127.0.0.1:18081"}
  mocksse: {type: openai-compatible, base_url: "http://127.0.0.1:18081/sse"}
default_provider: mock
virtual_models:
  - {source: regular, targets: [{model: mock/gpt-bench-a, weight: 1}, {model: mock/gpt-bench-b, weight: 1}]}
  - {source: streamy, target: mocksse/gpt-bench}
$2
YAML
}
