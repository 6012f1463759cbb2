// Measures the silence a listener hears between two tracks: both of the
// player's <audio> elements are routed through one AudioContext into an
// AudioWorklet that, on the audio thread, finds the longest run of silent
// samples between two sounds. Used by the player test and bench/pwa.mjs.
//
// The worklet comes from a blob: URL, which Hoard's Content-Security-Policy
// refuses: the page must be opened with Playwright's `bypassCSP`.

/** Starts listening to the page's <audio> elements (call once a track plays). */
export async function installGapMeter(page) {
  await page.evaluate(async () => {
    const source = `
      class GapMeter extends AudioWorkletProcessor {
        constructor() {
          super();
          this.reset();
          this.port.onmessage = (e) => {
            if (e.data === 'reset') this.reset();
            else this.port.postMessage({ longest: this.longest / sampleRate * 1000, heard: this.heard, sounds: this.sounds });
          };
        }
        reset() { this.heard = false; this.run = 0; this.longest = 0; this.sounds = 0; }
        process(inputs) {
          const ch = inputs[0] && inputs[0][0];
          if (!ch) { if (this.heard) this.run += 128; return true; }
          for (let i = 0; i < ch.length; i++) {
            if (Math.abs(ch[i]) > 0.01) {
              if (this.heard && this.run > this.longest) this.longest = this.run;
              if (this.run > 0 || !this.heard) this.sounds++;
              this.heard = true;
              this.run = 0;
            } else if (this.heard) {
              this.run++;
            }
          }
          return true;
        }
      }
      registerProcessor('gap-meter', GapMeter);`;
    const ctx = new AudioContext();
    await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const meter = new AudioWorkletNode(ctx, 'gap-meter');
    for (const el of document.querySelectorAll('audio')) {
      const src = ctx.createMediaElementSource(el);
      src.connect(meter);
      src.connect(ctx.destination);
    }
    meter.connect(ctx.destination);
    await ctx.resume();
    window.__gapMeter = meter;
  });
}

/** Forgets what was heard so far (after a seek, which is silent for a moment). */
export async function resetGapMeter(page) {
  await page.evaluate(() => window.__gapMeter.port.postMessage('reset'));
}

/** The longest silence, in ms, heard between two sounds since the last reset. */
export async function longestGapMs(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        window.__gapMeter.port.onmessage = (e) => resolve(e.data);
        window.__gapMeter.port.postMessage('read');
      }),
  );
}
