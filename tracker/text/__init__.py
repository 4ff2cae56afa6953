"""Language tools shared by linking and claims: sentences, words, sentence embeddings."""
