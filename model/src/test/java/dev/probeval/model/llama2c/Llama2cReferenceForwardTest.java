package dev.probeval.model.llama2c;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.probeval.model.Stories260K;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Llama2cReferenceForwardTest {

    @Test
    void shouldReadTheStories260KHeaderAndParameterCount() throws IOException {
        Llama2cCheckpoint ckpt = Llama2cCheckpoint.read(Stories260K.checkpoint());
        assertEquals(new Llama2cCheckpoint.Config(64, 172, 5, 8, 4, 512, 512, true), ckpt.config);
        assertEquals(260_032L, ckpt.parameterCount());
    }

    @Test
    void plainJavaGreedyShouldReproduceTheCReference() throws IOException {
        Llama2cCheckpoint ckpt = Llama2cCheckpoint.read(Stories260K.checkpoint());
        Llama2cTokenizer tok = Llama2cTokenizer.read(Stories260K.tokenizer(), ckpt.config.vocabSize());
        for (Stories260K.Case c : Stories260K.referenceCases()) {
            int[] prompt = tok.encode(c.prompt(), true, false);
            Llama2cReferenceForward fwd = new Llama2cReferenceForward(ckpt);
            // run.c's loop: position pos consumes token, the prompt is forced, sampling starts at the last prompt
            // token.
            List<Integer> generated = new ArrayList<>();
            int token = prompt[0];
            for (int pos = 0; pos < c.steps(); pos++) {
                float[] logits = fwd.forward(token, pos);
                int next = pos < prompt.length - 1 ? prompt[pos + 1] : argmax(logits);
                if (pos >= prompt.length - 1) {
                    generated.add(next);
                }
                token = next;
            }
            String text =
                    tok.decode(generated.stream().mapToInt(Integer::intValue).toArray(), prompt[prompt.length - 1]);
            assertEquals(c.continuation(), text, "prompt " + c.prompt() + " steps " + c.steps());
        }
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }
}
