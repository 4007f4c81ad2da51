# Kafka on a Java 17 runtime, laid out like the apache/kafka image (/opt/kafka, data volume at
# /var/lib/kafka/data, KAFKA_* variables as properties): compose/images/build.sh builds it from
# Debian's Java and the jars engines/kafka/pom.xml resolves, so no image registry is needed.
ARG BASE=sigma-local/java:17
FROM ${BASE}
COPY libs /opt/kafka/libs
COPY kafka-run.sh /opt/kafka/bin/kafka-run.sh
RUN mkdir -p /opt/kafka/config /var/lib/kafka/data \
    && printf '%s\n' 'log4j.rootLogger=INFO, stdout' \
       'log4j.appender.stdout=org.apache.log4j.ConsoleAppender' \
       'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout' \
       'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n' \
       'log4j.logger.org.apache.kafka.clients=WARN' >/opt/kafka/config/log4j.properties \
    && printf '#!/bin/sh\nexec /opt/kafka/bin/kafka-run.sh topics "$@"\n' >/opt/kafka/bin/kafka-topics.sh \
    && chmod +x /opt/kafka/bin/*.sh
VOLUME /var/lib/kafka/data
EXPOSE 9092
ENTRYPOINT ["/opt/kafka/bin/kafka-run.sh"]
