// A fake Frida Java bridge for the generated hook script: node runs the script with these
// stubs, records every hook it installs, then calls each one as the app would and prints
// what the script logged. Usage: node harness.js hooks.js > out.json
'use strict';
const fs = require('fs');
const vm = require('vm');

const installed = [];   // {cls, method, args}
const OWN_UID = 10123;  // what android.os.Process.myUid() returns here
const lines = [];
const STACK = 'java.lang.Exception\n\tat dalvik.system.VMStack.getThreadStackTrace(Native Method)\n' +
  '\tat com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:12)\n' +
  '\tat com.example.app.MainActivity.onCreate(MainActivity.java:30)\n';

function makeOverload(cls, method, args) {
  const ov = {
    cls, method, args, _impl: null,
    apply(self, callArgs) { return 'ret:' + method; },
    call(self) { return 'ret:' + method; },
  };
  Object.defineProperty(ov, 'implementation', {
    get() { return ov._impl; },
    set(fn) { ov._impl = fn; installed.push(ov); },
  });
  return ov;
}

function makeMethod(cls, name) {
  const cache = {};
  const m = function () { return 'direct:' + name; };
  m.overload = function () {
    const args = Array.prototype.slice.call(arguments);
    for (const a of args) {
      if (typeof a !== 'string' || !a) { throw new Error('bad overload type ' + a); }
    }
    const key = args.join(',');
    return cache[key] || (cache[key] = makeOverload(cls, name, args));
  };
  m.overloads = [m.overload('java.lang.Object')];
  Object.defineProperty(m, 'implementation', {
    get() { return m._impl; }, set(fn) { m._impl = fn; installed.push({cls, method: name, args: [], _impl: fn}); },
  });
  return m;
}

const classes = {};
function use(cls) {
  if (typeof cls !== 'string' || !/^[\w.$]+$/.test(cls)) { throw new Error('bad class ' + cls); }
  if (classes[cls]) { return classes[cls]; }
  const methods = {};
  const special = {
    getStackTraceString: () => STACK,
    $new: () => ({}),
    currentThread: () => ({getName: () => 'main'}),
    currentApplication: () => ({getPackageName: () => 'com.example.app',
                                getSystemService: () => ({})}),
    SDK_INT: {value: 30}, MODEL: {value: 'Pixel'},
    myUid: () => OWN_UID,
  };
  const proxy = new Proxy({}, {
    get(_, prop) {
      if (prop in special) { return special[prop]; }
      if (typeof prop !== 'string') { return undefined; }
      return methods[prop] || (methods[prop] = makeMethod(cls, prop));
    },
  });
  classes[cls] = proxy;
  return proxy;
}

const sandbox = {
  console: {log: (s) => lines.push(s)},
  Java: {use, perform: (fn) => fn(), cast: (x) => x},
  rpc: {exports: {}},
  Date, JSON, Array, Object, String, Math, Error,
};
sandbox.globalThis = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[2], 'utf8'), sandbox, {filename: 'hooks.js'});

// An object argument whose class the script reads attributes of (TARGETS[].vals) is a fake
// with those getters: each returns 'v:' + the getter's name, except a getter returning a
// collection (getCategories: toArray) and one returning null (getType on an Intent here is
// not special: every getter named getDataString returns null, to show "known absent").
function fakeObject(getters) {
  const o = {};
  for (const g of getters) {
    if (g === 'getCategories') { o[g] = () => ({toArray: () => ['android.intent.category.LAUNCHER']}); }
    else if (g === 'getDataString') { o[g] = () => null; }
    else { o[g] = () => 'v:' + g; }
  }
  return o;
}
const hooks = installed.filter((o) => o.args && o.cls);
const calls = [];
for (const ov of hooks) {
  const target = (sandbox.TARGETS || []).find((t) => t.cls === ov.cls && t.method === ov.method &&
    t.args.join(',') === ov.args.join(','));
  const readers = {};
  for (const v of (target && target.vals) || []) { if (v[2]) { readers[v[1]] = Object.values(v[2]); } }
  // a second call with every int argument equal to the app's own UID (the '<own_uid>' marker)
  for (const intValue of target && target.vals ? [null, OWN_UID] : [null]) {
    const before = lines.length;
    const fakeArgs = ov.args.map((t, i) => (readers[i] ? fakeObject(readers[i])
      : t === 'int' ? (intValue === null ? i : intValue)
      : (t.startsWith('[') ? ['android.permission.CAMERA'] : 'a' + i)));
    let error = null;
    try { ov._impl.apply({}, fakeArgs); } catch (e) { error = String(e); }
    calls.push({cls: ov.cls, method: ov.method, args: ov.args, error, lines: lines.slice(before),
                own_uid_call: intValue !== null});
  }
}
sandbox.rpc.exports.consent();
process.stdout.write(JSON.stringify({installed: hooks.length, calls, lines}));
