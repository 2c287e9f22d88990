# shellcheck shell=bash
# `scripts/cluster up|down|status`: sourced by scripts/cluster (which sets CMD, DIR, BIN, CRD_DIR, log,
# die, ensure_built). One cluster per directory D; everything it writes lives in D:
#   D/pids            "name pid" of every process `up` started (what `down` stops, and nothing else)
#   D/kubeconfig      admin kubeconfig (token auth) for https://127.0.0.1:<port>
#   D/pki/            generated CA, API server serving cert, service-account keys, and webhook.crt/key
#                     (CN/SAN 127.0.0.1, signed by the CA) for test webhooks the API server calls
#   D/logs/<name>.log process output
#   D/cluster.env     ports and paths, as KEY=value lines

PIDS="$DIR/pids"

# Stops the processes listed in D/pids, but only those whose command line still names D (a pid may
# have been reused by an unrelated process since), and waits for them to exit.
stop_recorded() {
  [ -f "$PIDS" ] || return 0
  local name pid alive=() deadline
  while read -r name pid; do
    [ -n "${pid:-}" ] || continue
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/"; then
      kill -TERM "$pid" 2>/dev/null && alive+=("$pid") || true
      log "stopping $name (pid $pid)"
    fi
  done <"$PIDS"
  deadline=$((SECONDS + 15))
  for pid in "${alive[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; fi
      sleep 0.1
    done
  done
  rm -f "$PIDS"
}

free_ports() { # count -> that many free TCP ports on 127.0.0.1, one a line
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]); const servers = []; const ports = [];
    (async () => {
      for (let i = 0; i < n; i++) {
        const s = net.createServer(); servers.push(s);
        await new Promise((r) => s.listen(0, "127.0.0.1", r)); ports.push(s.address().port);
      }
      servers.forEach((s) => s.close()); console.log(ports.join("\n"));
    })();' "$1"
}

gen_pki() {
  local p="$DIR/pki"
  mkdir -p "$p"
  (
    cd "$p"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
      -subj "/CN=mesh-rollout-test-ca" 2>/dev/null
    sign() { # name subject sans
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 30 \
        -extfile "$1.ext" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    sign apiserver "/CN=kube-apiserver" \
      "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.96.0.1"
    sign webhook "/CN=127.0.0.1" "IP:127.0.0.1,DNS:localhost"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  ) || die "could not generate certificates with openssl in $p"
}

start() { # name command...
  local name=$1; shift
  # No proxy for anything: every address is 127.0.0.1 (webhook calls included).
  env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy NO_PROXY=127.0.0.1,localhost \
    nohup "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
  echo "$name $!" >>"$PIDS"
}

# Fails with the tail of each log of a process that has exited.
check_alive() {
  local name pid
  while read -r name pid; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$DIR/logs/$name.log" >&2 || true
      die "$name exited during start-up (log: $DIR/logs/$name.log)"
    fi
  done <"$PIDS"
}

wait_until() { # seconds what command...
  local until=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    check_alive
    [ $SECONDS -lt $until ] || die "timed out after $1s waiting for $what"
    sleep 0.2
  done
}

cluster_up() {
  command -v openssl >/dev/null || die "openssl is not on PATH (apt-get install openssl)"
  command -v curl >/dev/null || die "curl is not on PATH (apt-get install curl)"
  ensure_built
  local t0=$SECONDS
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  PIDS="$DIR/pids"
  if [ -f "$PIDS" ]; then
    log "a cluster was left running in $DIR; stopping it first"
    stop_recorded
  fi
  rm -rf "$DIR/etcd" "$DIR/pki" "$DIR/logs" "$DIR/kubeconfig" "$DIR/cluster.env"
  mkdir -p "$DIR/logs"
  gen_pki
  local ports etcd_port peer_port api_port cm_port sched_port kwok_port token
  mapfile -t ports < <(free_ports 6)
  etcd_port=${ports[0]} peer_port=${ports[1]} api_port=${ports[2]} cm_port=${ports[3]}
  sched_port=${ports[4]} kwok_port=${ports[5]}
  token=$(openssl rand -hex 24)
  echo "$token,admin,admin,system:masters" >"$DIR/pki/tokens.csv"
  chmod 600 "$DIR/pki/tokens.csv"
  local server="https://127.0.0.1:$api_port"
  cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mesh-rollout-test
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$DIR/pki/ca.crt")
users:
- name: admin
  user:
    token: $token
contexts:
- name: mesh-rollout-test
  context: {cluster: mesh-rollout-test, user: admin}
current-context: mesh-rollout-test
EOF
  chmod 600 "$DIR/kubeconfig"
  local kc="$DIR/kubeconfig" pki="$DIR/pki"

  log "starting etcd on 127.0.0.1:$etcd_port"
  start etcd "$BIN/etcd" --name mesh-rollout-test --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "mesh-rollout-test=http://127.0.0.1:$peer_port" --log-level warn \
    --quota-backend-bytes 1073741824 --unsafe-no-fsync
  log "starting kube-apiserver on $server"
  start kube-apiserver "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$pki" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" --authorization-mode RBAC \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none --profiling=false --enable-priority-and-fairness=false
  local curl_api=(curl -sf --max-time 2 --cacert "$pki/ca.crt" -H "Authorization: Bearer $token")
  wait_until 90 "kube-apiserver /readyz" "${curl_api[@]}" "$server/readyz"
  log "kube-apiserver ready after $((SECONDS - t0))s"

  log "starting kube-controller-manager, kube-scheduler and kwok"
  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" --authentication-skip-lookup \
    --bind-address 127.0.0.1 --secure-port "$cm_port" --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-persistentvolume-binder,-attachdetach,-persistentvolume-expander,-ephemeral-volume,-route' \
    --concurrent-deployment-syncs 10 --concurrent-replicaset-syncs 10 --profiling=false
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" --authentication-skip-lookup \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false --profiling=false
  local stages=() f
  for f in "$CLUSTER_CACHE"/kwok-stages/*.yaml; do stages+=(--config "$f"); done
  start kwok "$BIN/kwok" --kubeconfig "$kc" --manage-all-nodes=true \
    --server-address "127.0.0.1:$kwok_port" --node-ip 127.0.0.1 "${stages[@]}"

  local kubectl=("$BIN/kubectl" --kubeconfig "$kc" --request-timeout 20s)
  cat <<'EOF' | "${kubectl[@]}" apply -f - >/dev/null || die "could not create the kwok node"
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
status:
  allocatable: {cpu: "64", memory: 256Gi, pods: "500"}
  capacity: {cpu: "64", memory: 256Gi, pods: "500"}
EOF
  if ls "$CRD_DIR"/*.yaml >/dev/null 2>&1; then
    log "applying the CRDs in $CRD_DIR (server-side)"
    "${kubectl[@]}" apply --server-side --force-conflicts -f "$CRD_DIR" >/dev/null ||
      die "applying the CRDs in $CRD_DIR failed"
    wait_until 60 "the CRDs to be established" \
      "${kubectl[@]}" wait --for condition=established --timeout 5s crd --all
  fi
  wait_until 60 "the kwok node to be Ready" "${kubectl[@]}" wait --for condition=Ready --timeout 5s node/kwok-node-0
  # The node lifecycle controller lifts the not-ready taint the API server put on the new node.
  node_untainted() { [ -z "$("${kubectl[@]}" get node kwok-node-0 -o jsonpath='{.spec.taints}')" ]; }
  wait_until 60 "the kwok node's not-ready taint to be lifted" node_untainted
  wait_until 60 "the default service account" "${kubectl[@]}" get serviceaccount default -n default

  cat >"$DIR/cluster.env" <<EOF
KUBECONFIG=$kc
SERVER=$server
CA_CERT=$pki/ca.crt
WEBHOOK_CERT=$pki/webhook.crt
WEBHOOK_KEY=$pki/webhook.key
ETCD_PORT=$etcd_port
API_PORT=$api_port
KWOK_PORT=$kwok_port
BIN=$BIN
EOF
  log "cluster ready in $((SECONDS - t0))s ($("$BIN/kube-apiserver" --version)); stop it with: scripts/cluster down --dir $DIR"
  echo "$kc"
}

cluster_down() {
  [ -d "$DIR" ] || { log "no cluster in $DIR"; return 0; }
  DIR=$(cd "$DIR" && pwd)
  PIDS="$DIR/pids"
  local t0=$SECONDS
  stop_recorded
  rm -rf "$DIR/etcd"
  log "cluster in $DIR stopped in $((SECONDS - t0))s"
}

cluster_status() {
  [ -f "$DIR/cluster.env" ] || die "no cluster in $DIR"
  local kc="$DIR/kubeconfig"
  "$BIN/kubectl" --kubeconfig "$kc" --request-timeout 5s get --raw /readyz >/dev/null 2>&1 ||
    die "the cluster in $DIR does not answer"
  echo "$kc"
}

case "$CMD" in
  up) cluster_up ;;
  down) cluster_down ;;
  status) cluster_status ;;
esac
