package dev.probeval.serve;

/** An admitted call with what its response is made from: its tokenized prompt, seed, id and creation time. */
record Call(ServeRequest req, int[] prompt, long seed, String id, long created) {

    /** The prompt's last token: the one the first generated token's text is decoded after. */
    int last() {
        return prompt[prompt.length - 1];
    }
}
