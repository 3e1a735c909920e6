// Runs an Argo CD health script the way Argo CD does: the object as the global table `obj`,
// only base, string, table and math at hand, and the returned table read as the health.
// Argo CD embeds a Lua 5.1 VM (gopher-lua); Debian's lua5.1 and lua5.4 bracket it.
import { execFile } from "node:child_process";
import { z } from "zod";

export const LUA_INTERPRETERS = ["lua5.1", "lua5.4"] as const;
export type LuaInterpreter = (typeof LUA_INTERPRETERS)[number];

export interface ArgoHealth {
  status: string;
  message: string;
}

/** A Lua table constructor for a JSON value: Argo CD hands the object to Lua as such a table. */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return luaString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(", ")}}`;
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([key, item]) => `[${luaString(key)}] = ${luaLiteral(item)}`).join(", ")}}`;
  }
  throw new Error(`no Lua literal for a ${typeof value}`);
}

/** Printable ASCII as is, every other byte as a three-digit decimal escape (valid in 5.1 and 5.4). */
function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, "utf8")) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    out += printable ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, "0")}`;
  }
  return out + '"';
}

function program(scriptPath: string, object: unknown): string {
  return `
local obj = ${luaLiteral(object)}
local sandbox = { obj = obj, ipairs = ipairs, pairs = pairs, next = next, type = type, tostring = tostring,
  tonumber = tonumber, select = select, error = error, pcall = pcall, string = string, table = table, math = math }
local chunk
if setfenv then
  chunk = assert(loadfile(${luaString(scriptPath)}))
  setfenv(chunk, sandbox)
else
  chunk = assert(loadfile(${luaString(scriptPath)}, "t", sandbox))
end
local hs = chunk()
assert(type(hs) == "table" and type(hs.status) == "string", "a health script returns {status = ..., message = ...}")
io.write(hs.status, "\\n", tostring(hs.message or ""))
`;
}

/** The health that the script at `scriptPath` gives `object`, evaluated by `interpreter`. */
export function runHealthScript(interpreter: LuaInterpreter, scriptPath: string, object: unknown): Promise<ArgoHealth> {
  return new Promise((resolve, reject) => {
    const child = execFile(interpreter, ["-"], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(new Error(missing ? `${interpreter} is not installed (apt-get install ${interpreter})` : `${interpreter} failed: ${stderr || error.message}`));
        return;
      }
      const [status = "", ...message] = z.string().parse(stdout).split("\n");
      resolve({ status, message: message.join("\n") });
    });
    child.stdin?.end(program(scriptPath, object));
  });
}
