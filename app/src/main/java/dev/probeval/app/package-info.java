/** The {@code probeval} command line: picocli commands that wire the modules together. */
package dev.probeval.app;
