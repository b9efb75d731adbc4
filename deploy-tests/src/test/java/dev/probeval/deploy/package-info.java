/**
 * Tests of the deployment files in {@code docker/}: the compose file's settings against the real CLI, Prometheus's
 * scrape targets, the Grafana dashboards' queries against a real scrape, and the end-to-end scenario on containers
 * where a Docker engine exists.
 */
package dev.probeval.deploy;
