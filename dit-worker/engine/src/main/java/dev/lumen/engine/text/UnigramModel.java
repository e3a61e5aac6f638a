package dev.lumen.engine.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Viterbi segmentation of normalised text with a unigram vocabulary, reproducing SentencePiece 0.1.x's
 * default ("optimized") unigram encoder including its arithmetic, so that ties and near-ties resolve
 * the same way:
 *
 * <ul>
 *   <li>positions are UTF-8 byte offsets; candidate pieces are the NORMAL, USER_DEFINED and UNUSED
 *       vocabulary entries that prefix the text at a character boundary, UNUSED ones being skipped;</li>
 *   <li>a piece scores its vocabulary score, a user-defined piece {@code length * maxScore - 0.1}
 *       (length in bytes), and a path's score is the sum, accumulated through a double and stored as
 *       float at each position, exactly as the C++ {@code auto} arithmetic does;</li>
 *   <li>where no piece covers exactly the next character, that character alone becomes the unknown
 *       piece with score {@code minScore - 10} (float arithmetic);</li>
 *   <li>start positions are visited left to right and a position's best path is replaced only by a
 *       strictly better one, so on a tie the path whose last piece starts earliest wins.</li>
 * </ul>
 *
 * {@code minScore} and {@code maxScore} range over NORMAL pieces only; {@code maxScore} starts from
 * {@code FLT_MIN} (the smallest positive normal float), as in SentencePiece, so with only negative scores
 * it is that tiny positive number.
 */
final class UnigramModel {

    /** One segment of the normalised text: bytes {@code [start, end)} and the piece id chosen for them. */
    record Segment(int start, int end, int id) {}

    private static final float UNK_PENALTY = 10.0f;

    private final ByteTrie pieces;
    private final float[] scores;
    private final boolean[] unused;
    private final boolean[] userDefined;
    private final int unkId;
    private final float maxScore;
    private final float unkScore;

    UnigramModel(List<SentencePieceModel.Piece> vocabulary, ByteTrie pieces, int unkId) {
        this.pieces = pieces;
        this.unkId = unkId;
        int n = vocabulary.size();
        scores = new float[n];
        unused = new boolean[n];
        userDefined = new boolean[n];
        float min = Float.MAX_VALUE;
        float max = Float.MIN_NORMAL; // C's FLT_MIN
        for (int i = 0; i < n; i++) {
            SentencePieceModel.Piece p = vocabulary.get(i);
            scores[i] = p.score();
            unused[i] = p.type() == SentencePieceModel.PieceType.UNUSED;
            userDefined[i] = p.type() == SentencePieceModel.PieceType.USER_DEFINED;
            if (p.type() == SentencePieceModel.PieceType.NORMAL) {
                min = Math.min(min, p.score());
                max = Math.max(max, p.score());
            }
        }
        maxScore = max;
        unkScore = min - UNK_PENALTY;
    }

    /** The best segmentation of normalised UTF-8 text, in order; empty for empty text. */
    List<Segment> encode(byte[] text) {
        int size = text.length;
        if (size == 0) {
            return List.of();
        }
        // Best path ending at each byte offset: its score, where its last piece starts (-1: none yet), and that piece.
        float[] bestScore = new float[size + 1];
        int[] startsAt = new int[size + 1];
        int[] lastId = new int[size + 1];
        Arrays.fill(startsAt, -1);

        int start = 0;
        while (start < size) {
            float scoreHere = bestScore[start];
            int charLength = Math.min(oneCharLength(text[start]), size - start);
            boolean coversOneChar = false;
            int node = ByteTrie.ROOT;
            for (int k = start; k < size; k++) {
                node = pieces.child(node, text[k]);
                if (node == ByteTrie.NONE) {
                    break;
                }
                int id = pieces.value(node);
                if (id == ByteTrie.NONE || unused[id]) {
                    continue;
                }
                int end = k + 1;
                int length = end - start;
                // In C++ the ternary of double and float is double, so the sum is taken in double and
                // compared against the stored float before being rounded to float.
                double score = userDefined[id] ? (double) ((float) length * maxScore) - 0.1 : scores[id];
                double candidate = score + scoreHere;
                if (startsAt[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = (float) candidate;
                    startsAt[end] = start;
                    lastId[end] = id;
                }
                if (length == charLength) {
                    coversOneChar = true;
                }
            }
            if (!coversOneChar) {
                int end = start + charLength;
                float candidate = unkScore + scoreHere;
                if (startsAt[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = candidate;
                    startsAt[end] = start;
                    lastId[end] = unkId;
                }
            }
            start += charLength;
        }

        List<Segment> segments = new ArrayList<>();
        for (int end = size; end > 0; end = startsAt[end]) {
            segments.add(new Segment(startsAt[end], end, lastId[end]));
        }
        Collections.reverse(segments);
        return segments;
    }

    /** SentencePiece's UTF-8 character length from the lead byte (a stray continuation byte counts as 1). */
    static int oneCharLength(byte lead) {
        int hi = (lead & 0xFF) >>> 4;
        return hi < 0xC ? 1 : hi < 0xE ? 2 : hi == 0xE ? 3 : 4;
    }
}
