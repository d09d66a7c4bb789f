/**
 * The mappings folder as the loaders see it: on Node a directory on disk, on Workers the
 * same files bundled into the script (there is no file system there).
 */
export interface MappingFolder {
  /** Where the files are, as error messages name them. */
  label: string;
  names(): string[];
  /** The file's text, or undefined when there is no such file. */
  read(name: string): string | undefined;
}

export function inMemoryFolder(
  label: string,
  files: Readonly<Record<string, string>>,
): MappingFolder {
  return {
    label,
    names: () => Object.keys(files),
    read: (name) => (Object.hasOwn(files, name) ? files[name] : undefined),
  };
}
