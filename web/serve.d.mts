import type { Server } from 'node:http';

/** Serves `root` on 127.0.0.1:`port` (0: a free one), with `headers` on every file. */
export function serve(root: string, port?: number, headers?: Record<string, string>): Promise<{ server: Server; url: string }>;

/** COOP same-origin and COEP require-corp: a page served with them is cross-origin isolated (threads). */
export const ISOLATION_HEADERS: Record<string, string>;
