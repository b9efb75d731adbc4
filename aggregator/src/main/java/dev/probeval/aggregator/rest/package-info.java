/** The aggregator's read-only HTTP API, Prometheus endpoint and dashboard page. */
package dev.probeval.aggregator.rest;
