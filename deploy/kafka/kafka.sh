#!/usr/bin/env bash
# Dev/test Apache Kafka broker: the real broker from Maven Central, single node, KRaft (combined
# broker + controller), bound to 127.0.0.1. Used by Jest's global setup and by .ci/run; handy by hand.
#
#   deploy/kafka/kafka.sh fetch            resolve the broker jars once (cached; offline afterwards)
#   deploy/kafka/kafka.sh start            format storage, start, wait until it serves; prints KAFKA_BROKERS=host:port
#   deploy/kafka/kafka.sh start --keep     start a stopped broker again with its data, on its ports (a
#                                          fresh start when there is nothing to keep): dev data, outage tests
#   deploy/kafka/kafka.sh stop [--clean]   stop the broker started from this state dir (by its PID); --clean removes its data
#   deploy/kafka/kafka.sh status           prints running/stopped and the bootstrap address
#
# Options (environment):
#   KAFKA_VERSION     broker version from Maven Central (default 4.4.0)
#   KAFKA_CACHE_DIR   where resolved jars are kept (default ~/.cache/trace2test/kafka)
#   KAFKA_STATE_DIR   config, data, logs and PID of this broker (default <repo>/.kafka)
#   KAFKA_PORT        client port; 0 or unset picks a free port (default 0)
#   KAFKA_HEAP        JVM heap flags (default "-Xms256m -Xmx768m")
#   KAFKA_START_TIMEOUT_S  seconds to wait for the broker to serve (default 90)
#
# Security, opt-in (the default is one PLAINTEXT listener). Read when a fresh broker is configured;
# `start --keep` keeps what the broker was started with. Besides KAFKA_BROKERS, `start` then prints
# the client options to use it (never the password):
#   KAFKA_SASL        none (default) | plain | scram-sha-256 | scram-sha-512: clients authenticate
#                     with this mechanism (SCRAM credentials are created with the broker's StorageTool)
#   KAFKA_SASL_USERNAME       the one user (default t2t)
#   KAFKA_SASL_PASSWORD       its password, or KAFKA_SASL_PASSWORD_FILE: a file holding it (required
#                             with KAFKA_SASL; letters, digits and . _ ~ - only)
#   KAFKA_TLS         off (default) | on | mutual: the listener speaks TLS with a certificate from a CA
#                     generated here with openssl and keytool ($state/tls/ca.pem); `mutual` also
#                     requires a client certificate, generated beside it (client.pem, client.key)
#
# No pipeline here has a reader that may stop early (`| head`, `grep -q`, awk's `exit`): under
# pipefail the writer's SIGPIPE would fail the script at random on a busy machine. Read whole
# outputs into variables instead; test/scripts checks every shipped script for it.
set -Eeuo pipefail
# A failure names the command that failed, never a silent exit.
on_err() { echo "kafka.sh: failed (exit $1) at line $2: $3" >&2; }
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
version="${KAFKA_VERSION:-4.4.0}"
cache_dir="${KAFKA_CACHE_DIR:-$HOME/.cache/trace2test/kafka}"
libs="$cache_dir/$version/libs"
state="${KAFKA_STATE_DIR:-$repo/.kafka}"
heap="${KAFKA_HEAP:--Xms256m -Xmx768m}"
start_timeout="${KAFKA_START_TIMEOUT_S:-90}"

die() { echo "kafka.sh: $*" >&2; exit 1; }
log() { echo "kafka.sh: $*" >&2; }

require_java() {
  local java="java"
  [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null 2>&1 || die "Java not found (looked for '$java'): install Java 17 or newer, or set JAVA_HOME"
  local out v
  out="$("$java" -version 2>&1)" || die "'$java -version' failed: $out"
  v="$(awk -F'"' '/version/ && !seen {print $2; seen=1}' <<<"$out")"
  local major="${v%%.*}"
  [ "$major" = "1" ] && major="$(echo "$v" | cut -d. -f2)"
  [[ "$major" =~ ^[0-9]+$ ]] || die "could not read the Java version from '$java -version'"
  [ "$major" -ge 17 ] || die "Java $v found at '$java'; the Kafka $version broker needs Java 17 or newer (set JAVA_HOME)"
  JAVA="$java"
}

fetch() {
  if [ -f "$libs/.complete" ]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) not found: it resolves the broker jars from Maven Central; install Maven 3.6+"
  mkdir -p "$libs"
  log "resolving org.apache.kafka:kafka_2.13:$version and its runtime dependencies from Maven Central into $libs"
  local out
  if ! out="$(mvn -B -q -f "$here/pom.xml" -Dkafka.version="$version" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" 2>&1)"; then
    echo "$out" | tail -n 25 >&2
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$version (is Maven Central reachable? proxy settings in ~/.m2/settings.xml?)"
  fi
  ls "$libs"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven finished but no kafka_2.13 jar is in $libs"
  touch "$libs/.complete"
}

# The client options of the broker this state dir configures (printed by start).
print_client_env() {
  echo "KAFKA_BROKERS=$(cat "$state/bootstrap")"
  if [ -f "$state/client.env" ]; then cat "$state/client.env"; fi
}

# Writes $state/tls: a CA, the broker's certificate for 127.0.0.1/localhost in PKCS#12 key and
# trust stores, and with $1 = mutual a client certificate. Fresh per state dir, valid 30 days.
make_tls() {
  local mode="$1" dir="$state/tls"
  command -v openssl >/dev/null 2>&1 || die "KAFKA_TLS=$mode needs openssl to generate certificates"
  local keytool="keytool"
  [ -n "${JAVA_HOME:-}" ] && keytool="$JAVA_HOME/bin/keytool"
  command -v "$keytool" >/dev/null 2>&1 || die "KAFKA_TLS=$mode needs keytool (part of the JDK) next to java"
  mkdir -p "$dir"
  chmod 700 "$dir"
  TLS_STORE_PASSWORD="$(openssl rand -hex 16)"
  local out
  if ! out="$(
    set -e
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout ca.key -out ca.pem \
      -subj "/CN=trace2test dev Kafka CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >broker.ext
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=127.0.0.1"
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile broker.ext -out broker.pem
    openssl pkcs12 -export -in broker.pem -inkey broker.key -name broker -out broker.p12 \
      -passout "pass:$TLS_STORE_PASSWORD"
    "$keytool" -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 \
      -storetype PKCS12 -storepass "$TLS_STORE_PASSWORD"
    if [ "$mode" = "mutual" ]; then
      printf 'extendedKeyUsage=clientAuth\n' >client.ext
      openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=trace2test client"
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        -extfile client.ext -out client.pem
    fi
    rm -f ./*.csr ./*.ext
  ) 2>&1)"; then
    echo "$out" | tail -n 20 >&2
    die "generating the TLS certificates in $dir failed"
  fi
}

# The SASL password: KAFKA_SASL_PASSWORD or the content of KAFKA_SASL_PASSWORD_FILE.
sasl_password() {
  local pw="${KAFKA_SASL_PASSWORD:-}" file="${KAFKA_SASL_PASSWORD_FILE:-}"
  if [ -n "$pw" ] && [ -n "$file" ]; then
    die "set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both"
  fi
  if [ -n "$file" ]; then
    [ -r "$file" ] || die "KAFKA_SASL_PASSWORD_FILE: cannot read $file"
    pw="$(cat "$file")"
  fi
  [ -n "$pw" ] || die "KAFKA_SASL=$1 needs KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE"
  [[ "$pw" =~ ^[A-Za-z0-9._~-]+$ ]] || die "the SASL password may hold letters, digits and . _ ~ - only (it is written into the broker's JAAS configuration)"
  echo "$pw"
}

pid_alive() { [ -f "$state/broker.pid" ] && kill -0 "$(cat "$state/broker.pid")" 2>/dev/null; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  # Ask the kernel for a free port; Node is always present in this project.
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

start() {
  local keep="${1:-}"
  require_java
  fetch
  if pid_alive; then
    print_client_env
    log "already running (pid $(cat "$state/broker.pid"))"
    return 0
  fi
  if [ "$keep" = "--keep" ] && [ -f "$state/data/meta.properties" ] && [ -f "$state/bootstrap" ]; then
    # Same ports as before: clients reconnect to the address they know.
    local port cport
    port="$(sed 's/.*://' "$state/bootstrap")"
    cport="$(sed -n 's/^controller.quorum.voters=1@127.0.0.1://p' "$state/server.properties")"
    for p in "$port" "$cport"; do
      port_busy "$p" && die "port $p on 127.0.0.1, which the kept broker in $state uses, is busy"
    done
    # The wait below looks for the start-up line: only this start's log may count.
    for f in "$state"/logs/*.log; do [ -f "$f" ] && : >"$f"; done
    launch "$port" "$cport"
    return 0
  fi
  local port="${KAFKA_PORT:-0}"
  if [ "$port" = "0" ]; then port="$(free_port)"; elif port_busy "$port"; then
    die "port $port on 127.0.0.1 is busy: stop what listens there or set KAFKA_PORT to another port (0 = any free port)"
  fi
  local cport
  cport="$(free_port)"
  while [ "$cport" = "$port" ]; do cport="$(free_port)"; done

  local sasl="${KAFKA_SASL:-none}" tls="${KAFKA_TLS:-off}"
  case "$sasl" in none | plain | scram-sha-256 | scram-sha-512) ;; *)
    die "KAFKA_SASL=$sasl: use none, plain, scram-sha-256 or scram-sha-512" ;;
  esac
  case "$tls" in off | on | mutual) ;; *) die "KAFKA_TLS=$tls: use off, on or mutual" ;; esac
  local user="${KAFKA_SASL_USERNAME:-t2t}" password=""
  if [ "$sasl" != "none" ]; then
    [[ "$user" =~ ^[A-Za-z0-9._-]+$ ]] || die "KAFKA_SASL_USERNAME may hold letters, digits and . _ - only"
    password="$(sasl_password "$sasl")"
  fi
  # The one client listener is named after its protocol; the broker talks to itself on it too.
  local listener="PLAINTEXT"
  if [ "$sasl" != "none" ] && [ "$tls" != "off" ]; then listener="SASL_SSL"
  elif [ "$sasl" != "none" ]; then listener="SASL_PLAINTEXT"
  elif [ "$tls" != "off" ]; then listener="SSL"
  fi

  rm -rf "$state"
  mkdir -p "$state/data" "$state/logs"
  : >"$state/client.env"
  cat >"$state/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listener://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$listener://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=$listener
listener.security.protocol.map=CONTROLLER:PLAINTEXT,$listener:$listener
log.dirs=$state/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
EOF
  # The password sits in server.properties (JAAS) and the TLS store passwords beside it: keep the
  # state dir to its owner.
  chmod 700 "$state"
  local format_scram=()
  if [ "$sasl" != "none" ]; then
    local mech lower_listener
    mech="$(tr '[:lower:]' '[:upper:]' <<<"$sasl")"
    lower_listener="$(tr '[:upper:]' '[:lower:]' <<<"$listener")"
    local module="org.apache.kafka.common.security.plain.PlainLoginModule" users="user_$user=\"$password\""
    if [ "$sasl" != "plain" ]; then
      module="org.apache.kafka.common.security.scram.ScramLoginModule"
      users=""
      # SCRAM credentials live in the cluster metadata: created with the storage, before the start.
      format_scram=(--add-scram "$mech=[name=$user,password=$password]")
    fi
    cat >>"$state/server.properties" <<EOF
sasl.enabled.mechanisms=$mech
sasl.mechanism.inter.broker.protocol=$mech
listener.name.$lower_listener.$sasl.sasl.jaas.config=$module required username="$user" password="$password" $users;
EOF
    printf 'KAFKA_SASL_MECHANISM=%s\nKAFKA_SASL_USERNAME=%s\n' "$sasl" "$user" >>"$state/client.env"
  fi
  if [ "$tls" != "off" ]; then
    make_tls "$tls"
    # A SASL_SSL listener ignores the broker-wide ssl.client.auth: its listener-prefixed form counts.
    local client_auth="none"
    [ "$tls" = "mutual" ] && client_auth="required"
    cat >>"$state/server.properties" <<EOF
ssl.keystore.type=PKCS12
ssl.keystore.location=$state/tls/broker.p12
ssl.keystore.password=$TLS_STORE_PASSWORD
ssl.key.password=$TLS_STORE_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$state/tls/truststore.p12
ssl.truststore.password=$TLS_STORE_PASSWORD
ssl.client.auth=$client_auth
listener.name.$(tr '[:upper:]' '[:lower:]' <<<"$listener").ssl.client.auth=$client_auth
EOF
    printf 'KAFKA_SSL=true\nKAFKA_SSL_CA_FILE=%s\n' "$state/tls/ca.pem" >>"$state/client.env"
    if [ "$tls" = "mutual" ]; then
      printf 'KAFKA_SSL_CERT_FILE=%s\nKAFKA_SSL_KEY_FILE=%s\n' "$state/tls/client.pem" "$state/tls/client.key" >>"$state/client.env"
    fi
  fi
  local cp="$libs/*"
  local cluster_id
  cluster_id="$("$JAVA" -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  [ -n "$cluster_id" ] || die "could not generate a cluster id with kafka.tools.StorageTool (jars in $libs broken? delete the folder and retry)"
  if ! out="$("$JAVA" -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$state/logs" \
      -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
      "${format_scram[@]}" 2>&1)"; then
    echo "$out" | tail -n 20 >&2
    die "formatting KRaft storage in $state/data failed"
  fi
  launch "$port" "$cport"
}

# Starts the broker of $state/server.properties and waits until it serves on $1 (controller $2).
launch() {
  local port="$1" cport="$2"
  local cp="$libs/*"
  # setsid: the broker gets its own session, so it outlives the shell that started it and
  # stop() can signal exactly its PID.
  # shellcheck disable=SC2086
  setsid "$JAVA" $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$state/logs" \
    -cp "$cp" kafka.Kafka "$state/server.properties" \
    >"$state/logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$state/broker.pid"
  echo "127.0.0.1:$port" >"$state/bootstrap"

  local waited=0
  until grep -qE "Transition from STARTING to STARTED|\[KafkaServer id=1\] started|BrokerServer id=1\] Transition from STARTING to STARTED" \
      "$state/logs/server.log" 2>/dev/null && port_busy "$port"; do
    if ! pid_alive; then
      tail -n 30 "$state/logs/stdout.log" "$state/logs/server.log" >&2 2>/dev/null || true
      if grep -q "Address already in use" "$state/logs/"*.log 2>/dev/null; then
        die "the broker could not bind 127.0.0.1:$port or :$cport (port busy); set KAFKA_PORT to a free port"
      fi
      die "the broker exited during start-up; logs above, full logs in $state/logs"
    fi
    if [ "$waited" -ge $((start_timeout * 5)) ]; then
      tail -n 30 "$state/logs/server.log" >&2 2>/dev/null || true
      stop >/dev/null 2>&1 || true
      die "the broker did not serve on 127.0.0.1:$port within ${start_timeout}s; logs in $state/logs"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  log "Kafka $version serving on 127.0.0.1:$port (pid $(cat "$state/broker.pid"), state $state)"
  print_client_env
}

stop() {
  local clean="${1:-}"
  if pid_alive; then
    local pid
    pid="$(cat "$state/broker.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    local i=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$i" -ge 150 ]; then
        log "broker $pid did not stop within 30s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
      i=$((i + 1))
    done
    log "stopped broker (pid $pid)"
  fi
  rm -f "$state/broker.pid"
  if [ "$clean" = "--clean" ]; then rm -rf "$state"; fi
}

status() {
  if pid_alive; then echo "running $(cat "$state/bootstrap") pid $(cat "$state/broker.pid")"; else echo "stopped"; fi
}

case "${1:-}" in
  fetch) require_java; fetch; log "broker jars ready in $libs" ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  status) status ;;
  *) echo "usage: $0 fetch|start [--keep]|stop [--clean]|status" >&2; exit 2 ;;
esac
