import { readFileSync } from 'node:fs';
import { Rng } from '../../../src/util/rng.js';
import { TIME_MACHINE } from '../../helpers.js';

// Ranges chosen to stress NFC (combining marks, Hangul jamo), astral code points and emoji.
const RANGES: [number, number][] = [
  [0x20, 0x7e], [0x09, 0x0a], [0xa0, 0x17f], [0x300, 0x36f], [0x400, 0x4ff], [0x1100, 0x1175],
  [0x4e00, 0x4e80], [0x3040, 0x30ff], [0xac00, 0xac40], [0x1f300, 0x1f64f], [0x1f3fb, 0x1f3ff],
  [0x200c, 0x200d], [0xfe0f, 0xfe0f], [0x1d400, 0x1d4ff], [0x10000, 0x10ffff],
];

/** A seeded string of valid code points (never a lone surrogate). */
export function randomUnicode(rng: Rng, maxLength: number): string {
  const n = rng.int(maxLength + 1);
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = RANGES[rng.int(RANGES.length)];
    let cp = lo + rng.int(hi - lo + 1);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
    s += String.fromCodePoint(cp);
  }
  return s;
}

export function timeMachineSlice(chars: number): string {
  const text = readFileSync(TIME_MACHINE, 'utf8');
  return text.slice(0, chars);
}

/** Tolstoy, the opening of «Анна Каренина» (public domain), with ё and a decomposed й. */
export const CYRILLIC_TEXT =
  'Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему.\n' +
  'Всё смешалось в доме Облонских. Жена узнала, что муж был в связи с бывшею в их доме ' +
  'француженкою-гувернанткой, и объявила мужу, что не может жить с ним в одном доме.\n\n' +
  'Положение это продолжалось уже третий день и мучительно чувствовалось и самими супругами, ' +
  'и всеми членами семьи, и домочадцами. Ещё: «Что же делать?» — спросил он у себя с отчаянием ' +
  'и не находил ответа. Моско\u0432ски\u0438\u0306 вечер, 3,5 млн. рублей, 1880-е годы.\n';
