package dev.probeval.app;

/** Log-level defaults for long-running commands: Kafka's own INFO logging would drown probeval's output. */
final class Logging {
  private Logging() {}

  /** Sets Kafka's loggers to WARN unless the user chose a level; must run before the first Kafka class logs. */
  static void quietKafka() {
    for (String logger : new String[] {"kafka", "org.apache.kafka", "state.change.logger"}) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "warn");
      }
    }
  }
}
