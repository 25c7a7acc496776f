#!/usr/bin/env bash
# Brings the deployment recipe up on this machine and smoke-tests it: two `carecircle serve`
# processes on 127.0.0.1 behind Debian's nginx (deploy/nginx/carecircle-locations.conf, plain HTTP
# on a free port instead of TLS), sharing Redis, on a throwaway SQLite database (or
# DEPLOY_DATABASE_URL); then deploy/smoke.py signs in, volunteers and hears the live event on both
# processes, all through the proxy. Everything stops on exit.
#
#   deploy/up.sh                                   # needs nginx (apt-get install nginx) and Redis
#   REDIS_URL=redis://127.0.0.1:6379/5 deploy/up.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/.venv/bin
NGINX=$(command -v nginx || true)
[ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
    echo "deploy/up.sh needs nginx: apt-get install nginx" >&2
    exit 1
fi

WORK=$(mktemp -d /tmp/carecircle-deploy-XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
APP_A=$(free_port)
APP_B=$(free_port)
PROXY=$(free_port)

export DEBUG=false
export SECRET_KEY
SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
export ALLOWED_HOSTS=127.0.0.1
export CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$PROXY
export SITE_URL=http://127.0.0.1:$PROXY
export NUM_PROXIES=1
export CARECIRCLE_VAR_DIR=$WORK/var
export DATABASE_URL=${DEPLOY_DATABASE_URL:-sqlite:///$WORK/var/carecircle.sqlite3}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export REDIS_PREFIX=carecircle-deploy-$$
export LOG_LEVEL=WARNING
export PROXY_URL=http://127.0.0.1:$PROXY
mkdir -p "$WORK/var" "$WORK/nginx/logs"

"$BIN/carecircle" migrate --no-input -v 0
"$BIN/carecircle" push_keys >/dev/null
"$BIN/carecircle" collectstatic --no-input -v 0

for port in "$APP_A" "$APP_B"; do
    (cd "$ROOT" && exec "$BIN/carecircle" serve --host 127.0.0.1 --port "$port" --no-access-log) &
    PIDS+=($!)
done

cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log $WORK/nginx/logs/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 256; }
http {
    access_log $WORK/nginx/logs/access.log;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    upstream carecircle {
        least_conn;
        server 127.0.0.1:$APP_A;
        server 127.0.0.1:$APP_B;
        keepalive 8;
    }
    map \$http_upgrade \$connection_upgrade { default upgrade; "" close; }
    log_format upstreams '\$request_uri \$status \$upstream_addr';
    server {
        listen 127.0.0.1:$PROXY;
        access_log $WORK/nginx/logs/upstreams.log upstreams;
        include $ROOT/deploy/nginx/carecircle-locations.conf;
    }
}
CONF
"$NGINX" -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)

for port in "$APP_A" "$APP_B" "$PROXY"; do
    for _ in $(seq 120); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break
        sleep 0.5
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "127.0.0.1:$port never became healthy" >&2; exit 1; }
done

(cd "$ROOT" && "$BIN/python" deploy/smoke.py)
used=$(awk '{print $3}' "$WORK/nginx/logs/upstreams.log" | tr ', ' '\n\n' | grep -c -E "127.0.0.1:($APP_A|$APP_B)$" || true)
for port in "$APP_A" "$APP_B"; do
    grep -q "127.0.0.1:$port" "$WORK/nginx/logs/upstreams.log" || { echo "nginx never used the app process on $port" >&2; exit 1; }
done
echo "deploy/up.sh: nginx on $PROXY in front of $APP_A and $APP_B: $used proxied requests, both processes used."
