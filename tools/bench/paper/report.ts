export async function writeResults(): Promise<string> {
  return 'TODO';
}
