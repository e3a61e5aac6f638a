"""Builds tokenizer/spiece.model: a SentencePiece *unigram* model with T5's conventions (pad 0,
eos 1, unk 2, no bos, nmt_nfkc normalisation, a '▁' word boundary) trained on the domain's
captions. Every word of the vocabulary must come out as one whole piece; `check` enforces it."""
import io
import math
import numpy as np
import sentencepiece as spm

from . import domain

VOCAB_SIZE = 120


def corpus(n=30000, seed=7):
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n):
        g, objs, rels = domain.sample_scene(rng, allow_held_out=True)
        lines.append(domain.caption(rng, g, objs, rels))
    return lines


def vocabulary_words():
    words = set(domain.COLOURS) | set(domain.SHAPES) | set(domain.PLURALS.values()) | {"small", "large", "medium"}
    for prep, short in domain.PLACES.values():
        for p in prep + short:
            words.update(p.split())
    for phrases, _ in domain.RELATIONS.values():
        for p in phrases:
            words.update(p.split())
    words.update(domain.COUNT_WORDS.values())
    words.update({"a", "and", "with"})
    return sorted(words)


def build(path):
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()), model_writer=model, model_type="unigram",
        vocab_size=VOCAB_SIZE, hard_vocab_limit=False, character_coverage=1.0,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
        normalization_rule_name="nmt_nfkc", split_digits=False, max_sentencepiece_length=16,
        # The domain's words are seeded as whole pieces; letters keep any other text encodable.
        user_defined_symbols=[], 
        num_threads=2, minloglevel=2)
    proto = _seed_whole_words(model.getvalue(), corpus(5000, seed=11))
    with open(path, "wb") as f:
        f.write(proto)
    return check(path)


def _seed_whole_words(trained, lines):
    """On a corpus this small the unigram trainer keeps sub-word fragments; we keep its
    normaliser and trainer settings but set the pieces ourselves: every domain word as one
    '▁word' piece scored by its log frequency, then '▁' and single characters with a low score so
    any other text still encodes (unknown characters become <unk>)."""
    from sentencepiece import sentencepiece_model_pb2 as pb
    m = pb.ModelProto()
    m.ParseFromString(trained)
    counts = {}
    for line in lines:
        for w in line.replace(",", " ").split():
            counts[w] = counts.get(w, 0) + 1
    words = vocabulary_words()
    total = sum(counts.get(w, 0) + 1 for w in words)
    control = [p for p in m.pieces if p.type != pb.ModelProto.SentencePiece.NORMAL]
    del m.pieces[:]
    for p in control:
        m.pieces.append(p)
    for w in words:
        m.pieces.add(piece="\u2581" + w, score=math.log((counts.get(w, 0) + 1) / total),
                     type=pb.ModelProto.SentencePiece.NORMAL)
    for c in ["\u2581", ","] + [chr(i) for i in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]:
        m.pieces.add(piece=c, score=-20.0, type=pb.ModelProto.SentencePiece.NORMAL)
    m.trainer_spec.vocab_size = len(m.pieces)
    return m.SerializeToString()


def check(path):
    sp = spm.SentencePieceProcessor(model_file=str(path))
    split = [w for w in vocabulary_words() if len(sp.encode(w)) != 1]
    if split:
        raise SystemExit(f"{path}: these domain words are not single pieces: {split}")
    return sp


class Tokenizer:
    """Captions -> (ids, mask) padded to max_length, ending in </s> like T5Tokenizer."""
    def __init__(self, path, max_length=32):
        self.sp = spm.SentencePieceProcessor(model_file=str(path))
        self.max_length = max_length

    def __call__(self, texts):
        ids = np.zeros((len(texts), self.max_length), np.int64)
        mask = np.zeros((len(texts), self.max_length), np.int64)
        for i, t in enumerate(texts):
            toks = self.sp.encode(t.lower().strip())[: self.max_length - 1] + [1]
            ids[i, :len(toks)] = toks
            mask[i, :len(toks)] = 1
        return ids, mask

    def vocab_size(self):
        return self.sp.get_piece_size()
