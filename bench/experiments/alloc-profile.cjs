// Preload (--require): samples every allocation of the runner (also those a GC collects
// soon) and writes bench/results/profiles/alloc-<pid>.heapprofile on SIGTERM.
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');
const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const out = process.env.ALLOC_PROFILE_DIR || path.join(__dirname, '..', 'results', 'profiles');
process.prependListener('SIGTERM', () => {
  session.post('HeapProfiler.stopSampling', (err, res) => {
    if (!err) {
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, `alloc-${process.pid}.heapprofile`), JSON.stringify(res.profile));
    }
  });
});
