/** JMH benchmarks of the scorers: ROUGE-L on answer-length pairs with warm stem caches. */
package dev.probeval.benchmarks.scoring;
