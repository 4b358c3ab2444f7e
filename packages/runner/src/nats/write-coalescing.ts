import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';

interface TransportLike {
  socket?: Socket;
  isClosed?: boolean;
  heraldCorked?: boolean;
  send(frame: Uint8Array): void;
}

let installed: boolean | null = null;

/**
 * Makes the NATS client write to its socket once per event-loop turn.
 *
 * nats.js flushes its outbound buffer on a microtask, so under load nearly every
 * publish and ack is its own write(2), and nats-server does one read per write: on the
 * 2-core benchmark machine this halved nats-server's CPU per delivery (bench/README.md).
 * The transport's socket is corked on the first write of a turn and uncorked in
 * setImmediate, so everything written in that turn leaves in one writev. Nothing waits
 * longer than the rest of the current turn.
 *
 * This reaches into the client's Node transport (`NodeTransport.prototype.send`, pinned
 * @nats-io/transport-node 3.4.x). If its shape changes, nothing is patched and false is
 * returned; the client then works as shipped.
 */
export function installWriteCoalescing(): boolean {
  if (installed !== null) return installed;
  installed = false;
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('@nats-io/transport-node');
    const { NodeTransport } = require(join(dirname(main), 'lib', 'node_transport.js')) as {
      NodeTransport?: { prototype: TransportLike };
    };
    const proto = NodeTransport?.prototype;
    if (!proto || typeof proto.send !== 'function') return false;
    const send = proto.send;
    proto.send = function coalescedSend(this: TransportLike, frame: Uint8Array): void {
      const socket = this.socket;
      if (socket && !this.isClosed && !this.heraldCorked) {
        this.heraldCorked = true;
        socket.cork();
        setImmediate(() => {
          this.heraldCorked = false;
          socket.uncork();
        });
      }
      send.call(this, frame);
    };
    installed = true;
  } catch {
    installed = false;
  }
  return installed;
}
