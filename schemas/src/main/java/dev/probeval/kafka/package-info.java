/** The typed registry of probeval's topics and their serdes, and explicit topic creation. */
package dev.probeval.kafka;
