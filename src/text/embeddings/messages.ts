import { RnnlabError } from '../../errors.js';

/** Refuses a file whose width is not the model's: the file decides nothing about the model. */
export function checkDim(path: string, fileDim: number, wanted: number | undefined): void {
  if (wanted !== undefined && fileDim !== wanted) {
    throw new RnnlabError(`the embedding file ${path} has ${fileDim}-dimensional vectors but --embed is ${wanted}`);
  }
}

/** Words are quoted in messages, shortened: a corrupt row can have a "word" of any length. */
export function quoteWord(word: string): string {
  return JSON.stringify(word.length > 40 ? `${word.slice(0, 40)}…` : word);
}

/** 1 line, 2 lines: en-US grouping, plural by count. */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
