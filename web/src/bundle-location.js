// Where the widget's bundle was loaded from (captured while it first runs), so
// files shipped next to it (the trained model, the trainer) can be found from
// any page that includes it, over http(s) or from file://.
const bundleScript = typeof document !== 'undefined' ? document.currentScript : null;

/** The URL of `name` in the bundle's folder. */
export function besideBundle(name) {
  const base = bundleScript && bundleScript.src ? bundleScript.src : (typeof document !== 'undefined' ? document.baseURI : '');
  return new URL(name, base).href;
}

/** Loads a classic script; rejects with `problem` when it cannot. */
export function loadScript(url, problem) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(problem));
    document.head.append(script);
  });
}
