import { escapeText, MAX_ERROR } from '../limits.js';

/** A file that is not an image effnet can read: the message names the file and the problem. */
export class ImageError extends Error {
  constructor(readonly file: string, problem: string) {
    super(escapeText(`${file}: ${problem}`, MAX_ERROR));
    this.name = 'ImageError';
  }
}
