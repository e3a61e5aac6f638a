package dev.lumen.engine.text;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable trie over UTF-8 keys mapping each key to an int value, walked one byte at a time. It
 * stands in for the double-array tries SentencePiece builds over its vocabulary (only the set of keys
 * and their values matter for the results, not the layout). Children are stored compactly, sorted by
 * byte, and found by binary search, so a 32k-piece vocabulary costs a few hundred kilobytes.
 */
final class ByteTrie {

    /** The root node, where every walk starts. */
    static final int ROOT = 0;
    /** Returned by {@link #child} when there is no edge for the byte. */
    static final int NONE = -1;

    // Node i's edges are edgeLabel/edgeTarget[firstEdge[i], firstEdge[i + 1]), labels ascending.
    private final int[] firstEdge;
    private final byte[] edgeLabel;
    private final int[] edgeTarget;
    private final int[] value; // per node; NONE when no key ends there

    private ByteTrie(int[] firstEdge, byte[] edgeLabel, int[] edgeTarget, int[] value) {
        this.firstEdge = firstEdge;
        this.edgeLabel = edgeLabel;
        this.edgeTarget = edgeTarget;
        this.value = value;
    }

    /** Builds a trie from keys (UTF-8 bytes) to non-negative values; a repeated key keeps its first value. */
    static ByteTrie build(Iterable<Map.Entry<byte[], Integer>> entries) {
        MutableNode root = new MutableNode();
        int nodeCount = 1;
        for (Map.Entry<byte[], Integer> e : entries) {
            MutableNode n = root;
            for (byte b : e.getKey()) {
                MutableNode next = n.children.get(b & 0xFF);
                if (next == null) {
                    next = new MutableNode();
                    n.children.put(b & 0xFF, next);
                    nodeCount++;
                }
                n = next;
            }
            if (n.value == NONE) {
                n.value = e.getValue();
            }
        }
        // Number nodes breadth-first so that each node's children are numbered consecutively.
        int[] firstEdge = new int[nodeCount + 1];
        byte[] edgeLabel = new byte[nodeCount - 1];
        int[] edgeTarget = new int[nodeCount - 1];
        int[] value = new int[nodeCount];
        ArrayDeque<MutableNode> queue = new ArrayDeque<>();
        queue.add(root);
        int index = 0;
        int nextId = 1;
        int edge = 0;
        while (!queue.isEmpty()) {
            MutableNode n = queue.poll();
            value[index] = n.value;
            firstEdge[index] = edge;
            for (Map.Entry<Integer, MutableNode> c : n.children.entrySet()) {
                edgeLabel[edge] = (byte) (int) c.getKey();
                edgeTarget[edge] = nextId++;
                edge++;
                queue.add(c.getValue());
            }
            index++;
        }
        firstEdge[nodeCount] = edge;
        return new ByteTrie(firstEdge, edgeLabel, edgeTarget, value);
    }

    /** The node reached from {@code node} by byte {@code b}, or {@link #NONE}. */
    int child(int node, byte b) {
        int key = b & 0xFF;
        int lo = firstEdge[node];
        int hi = firstEdge[node + 1] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int label = edgeLabel[mid] & 0xFF;
            if (label < key) {
                lo = mid + 1;
            } else if (label > key) {
                hi = mid - 1;
            } else {
                return edgeTarget[mid];
            }
        }
        return NONE;
    }

    /** The value of the key ending at {@code node}, or {@link #NONE}. */
    int value(int node) {
        return value[node];
    }

    /** The value of exactly this key, or {@link #NONE}. */
    int get(byte[] key) {
        int node = ROOT;
        for (byte b : key) {
            node = child(node, b);
            if (node == NONE) {
                return NONE;
            }
        }
        return value[node];
    }

    /** The byte length of the longest key that is a prefix of {@code text[from, to)}, or 0 when none is. */
    int longestPrefix(byte[] text, int from, int to) {
        int node = ROOT;
        int longest = 0;
        for (int i = from; i < to; i++) {
            node = child(node, text[i]);
            if (node == NONE) {
                break;
            }
            if (value[node] != NONE) {
                longest = i + 1 - from;
            }
        }
        return longest;
    }

    private static final class MutableNode {
        final TreeMap<Integer, MutableNode> children = new TreeMap<>();
        int value = NONE;
    }
}
