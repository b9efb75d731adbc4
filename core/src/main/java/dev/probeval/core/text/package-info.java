/**
 * Small text helpers shared by every module that writes request-derived strings into records and log lines:
 * {@link dev.probeval.core.text.Texts#clip(String, int)} bounds a string while saying how long it was. No I/O.
 */
package dev.probeval.core.text;
