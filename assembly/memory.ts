// First byte the host may use for its arena: everything below holds the module's static data.
export function heapBase(): usize {
  return __heap_base;
}
