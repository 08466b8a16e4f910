import type { EventEmitter } from 'node:events';
import { PuppetService } from 'wechaty-puppet-service';
import { STREAM_LOST } from './supervisor';

/**
 * wechaty-puppet-service whose resets and failed starts close only our end of the connection. The stock puppet
 * sends Stop to the server on every stop — a watchdog reset included — which stops the remote puppet and ends
 * the account's session there. Here the remote puppet keeps running; on reconnect the server replays the login.
 * Only the bot role shutting down (`stopRemoteOnStop`) stops it. A stream the server ends is noticed at once
 * and reconnected, instead of waiting for the watchdog.
 */
export class SessionKeepingPuppetService extends PuppetService {
  private stopRemote = false;

  stopRemoteOnStop(): void {
    this.stopRemote = true;
  }

  override async onStop(): Promise<void> {
    // wechaty-puppet's watchdog agent adds a `reset` listener to its watchdog on every start and never removes
    // it, so after n reconnects one missed heartbeat would reset the puppet n times. Stopped by now: drop them.
    (this as unknown as { __watchdog?: { watchdog?: EventEmitter } }).__watchdog?.watchdog?.removeAllListeners('reset');
    if (this.stopRemote) return super.onStop();
    this._cleanupCallbackList.map(setImmediate);
    this._cleanupCallbackList.length = 0;
    const manager = this._grpcManager;
    this._grpcManager = undefined;
    if (!manager) return;
    manager.removeAllListeners();
    // The closed stream still reports through the manager; nothing is listening for it any more.
    manager.on('error', () => undefined);
    const stream = manager.eventStream;
    const closed = stream && !stream.destroyed ? new Promise((r) => stream.once('close', r)) : Promise.resolve();
    // cancel() tells the server the call is over (destroy() alone only ends it on our side).
    stream?.cancel();
    stream?.destroy();
    try {
      manager.client.close();
    } catch {
      // already closed
    }
    // The server takes one event stream per puppet: give it a moment to let go of this one before the next.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    await new Promise((r) => setTimeout(r, 50));
  }

  override async onStart(): Promise<void> {
    await super.onStart();
    // A stream the server refused (it still holds the previous one) has ended already; the start failed.
    const stream = this._grpcManager?.eventStream;
    if (!stream || stream.destroyed || stream.readableEnded) throw new Error(`${STREAM_LOST}: not accepted by the server`);
  }

  /** The manager (not exported by the package) is an EventEmitter relaying the stream's events. */
  protected override bridgeGrpcEventStream(manager: EventEmitter): void {
    super.bridgeGrpcEventStream(manager as never);
    const lost = (why: string): void => {
      if (this._grpcManager !== manager || this.state.active() !== true) return;
      this.emit('error', new Error(`${STREAM_LOST}: ${why}`) as never);
      void this.reset();
    };
    manager.on('end', () => lost('ended by the server')).on('error', (err: Error) => lost(err.message));
  }
}
