/** The math of probeval: bounds on output distributions and the scorers under them. No I/O, Kafka or DJL. */
package dev.probeval.core;
