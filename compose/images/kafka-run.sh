#!/bin/bash
# The entrypoint of the local Kafka image, configured like the apache/kafka image so one compose
# file serves both: every KAFKA_* variable is a server property (KAFKA_LOG_DIRS -> log.dirs;
# `__` stands for `_`, `___` for `-`), CLUSTER_ID formats the log directories on first start, and
# the broker logs to the console at INFO. `kafka-run.sh topics ARGS` runs the topics tool instead
# (the image's /opt/kafka/bin/kafka-topics.sh, which health checks call).
set -euo pipefail
CONFIG=/opt/kafka/config
CLASSPATH='/opt/kafka/libs/*'
JAVA=(java -Djava.awt.headless=true "-Dlog4j.configuration=file:$CONFIG/log4j.properties")

if [ "${1:-}" = topics ]; then
  shift
  exec "${JAVA[@]}" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$CLASSPATH" \
    org.apache.kafka.tools.TopicCommand "$@"
fi

not_properties=" KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_VERSION "
: >"$CONFIG/server.properties"
for name in $(compgen -e | grep '^KAFKA_' || true); do
  case "$not_properties" in *" $name "*) continue ;; esac
  key="${name#KAFKA_}"
  key="${key,,}"
  key="${key//___/-}"
  key="${key//__/@}"
  key="${key//_/.}"
  echo "${key//@/_}=${!name}" >>"$CONFIG/server.properties"
done
: "${CLUSTER_ID:?the cluster id (22 characters of URL-safe base64) formats the log directories}"
"${JAVA[@]}" -cp "$CLASSPATH" kafka.tools.StorageTool format --ignore-formatted \
  -t "$CLUSTER_ID" -c "$CONFIG/server.properties"
# shellcheck disable=SC2086  # the options are words, as in Kafka's own scripts
exec "${JAVA[@]}" ${KAFKA_HEAP_OPTS:--Xmx512m -Xms512m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC} \
  ${KAFKA_OPTS:-} -cp "$CLASSPATH" kafka.Kafka "$CONFIG/server.properties"
