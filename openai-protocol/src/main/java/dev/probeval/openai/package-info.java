/**
 * OpenAI's completions and chat completions wire format, as records: the requests, the responses and their choices,
 * usage and log-probabilities, the stream chunks, the model list and the error body. {@code probeval serve} parses
 * the requests and writes the rest; the worker's HTTP backend writes the requests and reads the responses and
 * errors. Jackson serialises every record as OpenAI spells it (snake_case, nulls where OpenAI writes them).
 *
 * <p>Reading is done by each record's {@code fromJson}, not by data binding, because the two readers want opposite
 * things: a request is read strictly, as a server must (a field of the wrong type is a {@link
 * dev.probeval.openai.ProtocolException} naming it, with a message fit for a 400), a response leniently, as a
 * client should (a field that is missing or of the wrong type reads as null, and the caller decides what it needs).
 */
package dev.probeval.openai;
