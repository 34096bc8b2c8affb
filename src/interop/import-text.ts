/**
 * How an imported model reads text: its tokenizer (the settings file rnnlab export writes, or
 * the config's "level") and its vocabulary, checked against each other. A vocabulary without
 * rnnlab's special tokens is kept as it is: ids are the PyTorch model's, so nothing may be
 * added or moved. Such a model then scores and samples text whose tokens are all in the
 * vocabulary; eval drops and counts the others (as for any char model) and sample refuses a
 * prime holding them, naming them.
 */
import { RnnlabError } from '../errors.js';
import { createTokenizer, levelOf, type Level, type Tokenizer, type TokenizerSettings } from '../text/tokenizers/tokenizer.js';
import { SPECIALS, Vocab } from '../text/vocab.js';

export { levelOf, type Level };

/** The vocabulary file's tokens (index = id). */
export function importVocab(value: unknown, file: string): Vocab {
  if (!Array.isArray(value)) throw new RnnlabError(`--vocab ${file} is not a JSON array of tokens (index = id), it is ${value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`}`);
  if (value.length === 0) throw new RnnlabError(`--vocab ${file} is an empty array`);
  const bad = value.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) throw new RnnlabError(`--vocab ${file}: entry ${bad} is ${JSON.stringify(value[bad])}, not a string (a vocabulary is an array of tokens)`);
  try {
    return new Vocab(value as string[]);
  } catch (e) {
    if (e instanceof RnnlabError) throw new RnnlabError(`--vocab ${file}: ${e.message}`);
    throw e;
  }
}

/**
 * The tokenizer: from `--tokenizer` settings when given (and the config's level must agree
 * with them), else from the level (char, or rnnlab's default word tokenizer); BPE needs its
 * merges, so only a settings file can give it.
 */
export function importTokenizer(settings: { value: unknown; file: string } | null, level: string | undefined, lowercase: boolean | undefined, configFile: string): Tokenizer {
  if (level !== undefined && level !== 'char' && level !== 'word' && level !== 'bpe') {
    throw new RnnlabError(`${configFile}: unknown level ${JSON.stringify(level)} (known: char, word, bpe)`);
  }
  if (settings) {
    let t: Tokenizer;
    try {
      t = createTokenizer(settings.value as TokenizerSettings);
    } catch (e) {
      if (e instanceof RnnlabError) throw new RnnlabError(`--tokenizer ${settings.file}: ${e.message}`);
      throw e;
    }
    if (level !== undefined && levelOf(t.kind) !== level) {
      throw new RnnlabError(`--tokenizer ${settings.file} is a ${t.kind} tokenizer, but ${configFile} says "level": "${level}"`);
    }
    if (lowercase !== undefined && lowercase !== t.settings.lowercase) {
      throw new RnnlabError(`--tokenizer ${settings.file} says "lowercase": ${t.settings.lowercase}, but ${configFile} says ${lowercase}`);
    }
    return t;
  }
  if (level === undefined) throw new RnnlabError(`${configFile} has no "level": add "level": "char" or "word" (or give --tokenizer SETTINGS.json)`);
  if (level === 'bpe') throw new RnnlabError(`a bpe model needs its merges: give --tokenizer SETTINGS.json (the tokenizer.json rnnlab export writes); "level": "bpe" alone cannot rebuild the tokenizer`);
  return createTokenizer({ kind: level, lowercase: lowercase ?? false });
}

/**
 * A char vocabulary holds single characters (code points) and special tokens: a longer entry
 * is never produced by the tokenizer, so it is a sign of a word vocabulary given with "level":
 * "char" (or the reverse), refused before it gives figures over the wrong text.
 */
export function checkVocabFitsTokenizer(vocab: Vocab, tokenizer: Tokenizer, file: string): void {
  if (tokenizer.kind !== 'char') return;
  const specials = new Set(SPECIALS);
  const i = vocab.tokens.findIndex((t) => !specials.has(t) && Array.from(t).length !== 1);
  if (i >= 0) {
    throw new RnnlabError(`--vocab ${file}: entry ${i} is ${JSON.stringify(vocab.tokens[i])}, not one character, but the model is char level (one character per entry)`);
  }
}
