package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The body of {@code GET /v1/models}: the models a server serves. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ModelList(String object, List<Model> data) {

    public static ModelList of(List<Model> data) {
        return new ModelList("list", data);
    }

    /**
     * One served model, also the body of {@code GET /v1/models/{id}}.
     *
     * @param id the name clients pass as {@code model}
     * @param maxModelLen the model's context in tokens (vLLM's extension)
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Model(
            String id,
            String object,
            long created,
            @JsonProperty("owned_by") String ownedBy,
            @JsonProperty("max_model_len") int maxModelLen) {

        public static Model of(String id, long created, String ownedBy, int maxModelLen) {
            return new Model(id, "model", created, ownedBy, maxModelLen);
        }
    }
}
