/** The newest symbol version each library namespace may ask for. */
export const FLOOR: { GLIBC: string; GLIBCXX: string; CXXABI: string; GCC: string };
/** What a shared object asks of the system: newest version per namespace, the symbols above the floor, its libraries. */
export function readFloor(file: string): {
  needs: Partial<Record<'GLIBC' | 'GLIBCXX' | 'CXXABI' | 'GCC', string>>;
  over: string[];
  libraries: string[];
  foreign: string[];
};
