/**
 * The unlearning lab (paper-spec §4): TOFU-mini question/answer data from real TOFU text, a small GPT trained on
 * forget ∪ retain ("base") and on retain only, unlearned from base by gradient ascent, gradient difference and NPO,
 * each with and without the entropy-optimisation term; every checkpoint saved as a model version with a manifest,
 * and an offline evaluator (greedy and sampled ROUGE-L recall, SOUND bounds) whose sample seeds are the worker's.
 */
package dev.probeval.lab;
