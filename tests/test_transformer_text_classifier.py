"""Issue 13's end-to-end check: a small transformer text classifier, TextVectorization -> token and
position Embeddings -> a MultiHeadAttention encoder block -> pooling -> Dense, trained with `fit` on a
corpus that ships with the tests (tests/corpora/word_order.tsv), where the label is the order of two
words. A bag of words sees the same words in every sentence and stays at chance; attention with
positions learns the order."""
import os

import numpy as np

import kerasx as keras
from kerasx import backend as K
from kerasx import layers

CORPUS = os.path.join(os.path.dirname(__file__), "corpora", "word_order.tsv")
SEQUENCE_LENGTH = 8
# What the bag-of-words model below reaches on the held-out sentences (seeded; chance is 0.5): the
# transformer must beat it by a wide margin.
BAG_OF_WORDS_ACCURACY = 0.458


def _corpus():
    labels, texts = [], []
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            label, text = line.rstrip("\n").split("\t")
            labels.append(int(label))
            texts.append(text)
    texts, labels = np.array(texts)[:, None], np.array(labels)
    return (texts[:480], labels[:480]), (texts[480:], labels[480:])


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, dim, **kwargs):
        super().__init__(**kwargs)
        self.maxlen, self.vocab_size, self.dim = maxlen, vocab_size, dim
        self.tokens = layers.Embedding(vocab_size, dim)
        self.positions = layers.Embedding(maxlen, dim)

    def call(self, x):
        return self.tokens(x) + self.positions(K.arange(0, x.shape[-1]))

    def get_config(self):
        return {**super().get_config(), "maxlen": self.maxlen, "vocab_size": self.vocab_size, "dim": self.dim}


def _transformer(train_texts):
    vectorize = layers.TextVectorization(output_sequence_length=SEQUENCE_LENGTH)
    vectorize.adapt(train_texts)
    inputs = keras.Input((1,), dtype="string")
    x = TokenAndPositionEmbedding(SEQUENCE_LENGTH, vectorize.vocabulary_size(), 16)(vectorize(inputs))
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    x = layers.LayerNormalization()(layers.Add()([x, attended]))
    fed = layers.Dense(16)(layers.Dense(32, activation="relu")(x))
    x = layers.LayerNormalization()(layers.Add()([x, fed]))
    outputs = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(x))
    return keras.Model(inputs, outputs)


def _bag_of_words(train_texts):
    vectorize = layers.TextVectorization(output_mode="multi_hot")
    vectorize.adapt(train_texts)
    inputs = keras.Input((1,), dtype="string")
    hidden = layers.Dense(16, activation="relu")(vectorize(inputs))
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(hidden))


def _accuracy(build, seed=1):
    (x, y), (x_test, y_test) = _corpus()
    keras.utils.set_random_seed(seed)
    model = build(x)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    return model.evaluate(x_test, y_test, verbose=0)[1]


def test_the_corpus_is_balanced_and_every_sentence_holds_both_words():
    (x, y), (x_test, y_test) = _corpus()
    assert len(x) == 480 and len(x_test) == 120
    assert 0.4 < y.mean() < 0.6
    assert all(s[0].split().count("alpha") == 1 and s[0].split().count("omega") == 1 for s in x)


def test_a_transformer_text_classifier_beats_a_bag_of_words(backend):
    bag = _accuracy(_bag_of_words)
    transformer = _accuracy(_transformer)
    assert bag < 0.65, f"the bag of words should stay near chance on word order, got {bag:.3f}"
    np.testing.assert_allclose(bag, BAG_OF_WORDS_ACCURACY, atol=0.1)
    assert transformer >= 0.9, f"the transformer reached only {transformer:.3f}"
    assert transformer > bag + 0.3
