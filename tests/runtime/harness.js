// A fake Frida Java bridge for the generated hook script: node runs the script with these
// stubs, records every hook it installs, then calls each one as the app would and prints
// what the script logged. Usage: node harness.js hooks.js > out.json
'use strict';
const fs = require('fs');
const vm = require('vm');

const installed = [];   // {cls, method, args}
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

const hooks = installed.filter((o) => o.args && o.cls);
const calls = [];
for (const ov of hooks) {
  const before = lines.length;
  const fakeArgs = ov.args.map((t, i) => (t === 'int' ? i : (t.startsWith('[') ? ['android.permission.CAMERA'] : 'a' + i)));
  let error = null;
  try { ov._impl.apply({}, fakeArgs); } catch (e) { error = String(e); }
  calls.push({cls: ov.cls, method: ov.method, args: ov.args, error, lines: lines.slice(before)});
}
sandbox.rpc.exports.consent();
process.stdout.write(JSON.stringify({installed: hooks.length, calls, lines}));
