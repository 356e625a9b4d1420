import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageError } from '../image/errors.js';
import type { RgbImage } from '../image/image.js';
import { checkResizable, type Pipeline } from '../image/pipeline.js';
import { readImage } from '../node/decode.js';

// The image arguments of classify and embed: folders expanded, files read a batch at a time.

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** A file to classify, or an argument that stands for none (its error, reported in turn). */
export interface Entry {
  file: string;
  error?: ImageError;
}

/**
 * Each folder among the arguments replaced by its PNG and JPEG files, sorted by name. A folder
 * with none (even one named x.png) is an error for that argument only, unless it is the only one.
 */
export async function expandFolders(args: string[]): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const arg of args) {
    const isDir = await stat(arg).then((s) => s.isDirectory(), () => false);
    if (!isDir) {
      out.push({ file: arg });
      continue;
    }
    const found = (await readdir(arg)).filter((f) => IMAGE_FILE.test(f)).sort().map((f) => join(arg, f));
    if (found.length === 0) {
      const error = new ImageError(arg, 'a folder without .png, .jpg or .jpeg files');
      if (args.length === 1) throw error;
      out.push({ file: arg, error });
    }
    out.push(...found.map((file) => ({ file })));
  }
  return out;
}

/**
 * The batch's images, decoded and checked against the pipeline's limits. An entry that cannot be
 * read goes to `failed` and the rest go on, unless it is the run's only file: then it throws.
 */
export async function readBatch(
  batch: readonly Entry[], pipeline: Pipeline, only: boolean, failed: (e: ImageError) => void,
): Promise<{ file: string; image: RgbImage }[]> {
  const images: { file: string; image: RgbImage }[] = [];
  for (const { file, error } of batch) {
    try {
      if (error) throw error;
      // the resize limit is checked from the header, before a pixel is decoded
      const image = await readImage(file, { checkSize: (width, height) => checkResizable({ width, height }, pipeline) });
      images.push({ file, image });
    } catch (e) {
      if (!(e instanceof ImageError) || only) throw e;
      failed(e);
    }
  }
  return images;
}
