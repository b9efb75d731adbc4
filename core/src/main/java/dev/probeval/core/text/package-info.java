/**
 * Text that came from a client, made safe to put into a log line, an error message or a record: clipped to a bound
 * and with control characters made visible.
 */
package dev.probeval.core.text;
