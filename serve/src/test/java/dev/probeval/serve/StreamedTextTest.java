package dev.probeval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.probeval.model.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streamed pieces are always a prefix of the final text: stop-string tails and half characters wait. */
class StreamedTextTest {
    /** Token id t decodes to PIECES[t]; id 0 is the end token; ids 100+b are raw bytes. */
    static final String[] PIECES = {"", "He", "l", "lo", " wor", "ld", "!"};

    static final TextTokenizer TOK = new TextTokenizer() {
        @Override
        public int[] encode(String text, boolean bos, boolean eos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String decode(int[] tokens, int previousToken) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int t : tokens) {
                byte[] b = t >= 100 ? new byte[] {(byte) (t - 100)} : PIECES[t].getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
            return out.toString(StandardCharsets.UTF_8);
        }

        @Override
        public int vocabSize() {
            return 356;
        }

        @Override
        public int bosId() {
            return -1;
        }

        @Override
        public int eosId() {
            return 0;
        }
    };

    static StreamedText text(String... stops) {
        return new StreamedText(TOK, -1, new int[] {0}, List.of(stops));
    }

    @Test
    void aTailThatMayBecomeAStopStringShouldWaitAndBeDroppedWhenItDoes() {
        StreamedText s = text("lo w");
        assertEquals("He", s.add(1));
        assertEquals("", s.add(2), "'l' may start 'lo w'");
        assertEquals("l", s.add(3), "'Hello': the tail 'lo' may start the stop string, the 'l' before it cannot");
        assertEquals("", s.add(4), "'Hello wor' contains the stop: nothing after its start is ever released");
        assertEquals("", s.add(5));
        assertEquals("", s.finish("Hel"));
    }

    @Test
    void aTailThatTurnsOutNotToStopShouldBeReleasedLater() {
        StreamedText s = text("lx");
        assertEquals("He", s.add(1));
        assertEquals("", s.add(2));
        assertEquals("l", s.add(2), "'ll': the first 'l' can no longer start 'lx'");
        assertEquals("llo", s.add(3), "'Helllo' ends in 'o': nothing left to hold");
        assertEquals("", s.add(0), "the end token adds nothing");
        assertEquals("", s.add(6), "nothing after the end token");
        assertEquals("", s.finish("Helllo"));
    }

    @Test
    void aHalfDecodedCharacterShouldWaitForItsLastByte() {
        StreamedText s = text();
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        assertEquals("He", s.add(1));
        assertEquals("", s.add(100 + (e[0] & 0xff)));
        assertEquals("é", s.add(100 + (e[1] & 0xff)));
        assertEquals("!", s.add(6));
        assertEquals("", s.finish("Heé!"));
    }

    @Test
    void finishShouldReleaseWhatIsLeftOfTheFinalText() {
        StreamedText s = text("ld!");
        assertEquals("He", s.add(1));
        assertEquals("llo wor", s.add(2) + s.add(3) + s.add(4));
        assertEquals("", s.add(5), "'l' and 'ld' wait: they may start 'ld!'");
        assertEquals("ld", s.finish("Hello world"), "the budget ran out: the held tail is the text's end");
    }
}
