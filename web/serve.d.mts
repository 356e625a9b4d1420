import type { Server } from 'node:http';

/** Serves `root` on 127.0.0.1:`port` (0: a free one). */
export function serve(root: string, port?: number): Promise<{ server: Server; url: string }>;
