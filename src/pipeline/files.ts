/** Whole small files (model descriptions) through the host's file system. */
import { host } from '../host/host.js';

/**
 * The bytes of `path`, read in one piece: model descriptions and labels
 * files are small, and larger inputs are the data layer's, which streams.
 */
export async function readBytes(path: string): Promise<Uint8Array> {
  const file = await host().files.open(path);
  try {
    return await file.read(0, file.size);
  } finally {
    await file.close();
  }
}

/** The text of `path` as UTF-8; a byte-order mark is kept, so a parser sees the file as it is. */
export async function readText(path: string): Promise<string> {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await readBytes(path));
}
