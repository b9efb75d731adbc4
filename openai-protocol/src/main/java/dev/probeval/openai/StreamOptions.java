package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A streamed request's {@code stream_options}.
 *
 * @param includeUsage end the stream with a chunk that carries usage and no choices (null: false)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {}
