/**
 * Files a user gave the page, with the paths a manifest names them by: the
 * path inside a chosen or dropped folder, else the file's name.
 */
import type { InputFile } from './protocol.js';

/** Files from a file input (a folder input gives each file's path inside the folder). */
export function pickedFiles(list: FileList | null): InputFile[] {
  return [...(list ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Files from a drop, folders walked. */
export async function droppedFiles(transfer: DataTransfer): Promise<InputFile[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return pickedFiles(transfer.files);
  const out: InputFile[] = [];
  for (const entry of entries) await walk(entry, out);
  return out;
}

async function walk(entry: FileSystemEntry, out: InputFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: entry.fullPath.replace(/^\/+/, ''), file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // A folder's reader hands its entries over in batches until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, out);
  }
}
