package io.musketeer.programfile;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.musketeer.MusketeerException;

/** Typed reads of a manifest's JSON object; a missing or mistyped field is one line naming where it is. */
final class Json {
  private final JsonObject o;
  private final String file;
  private final String where;

  Json(JsonObject o, String file, String where) {
    this.o = o;
    this.file = file;
    this.where = where;
  }

  MusketeerException error(String why) {
    return ProgramFile.bad(file, where + ": " + why);
  }

  private JsonElement get(String key) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) throw error("'" + key + "' is missing");
    return e;
  }

  boolean has(String key) {
    return o.has(key) && !o.get(key).isJsonNull();
  }

  String string(String key) {
    JsonElement e = get(key);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw error("'" + key + "' must be a string");
    return e.getAsString();
  }

  boolean bool(String key) {
    JsonElement e = get(key);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw error("'" + key + "' must be true or false");
    return e.getAsBoolean();
  }

  long number(String key) {
    JsonElement e = get(key);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw error("'" + key + "' must be a number");
    double d = e.getAsDouble();
    if (d != Math.rint(d) || Math.abs(d) > 0x1p53) throw error("'" + key + "' must be a whole number");
    return e.getAsLong();
  }

  int integer(String key) {
    long v = number(key);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw error("'" + key + "' is out of range");
    return (int) v;
  }

  int[] ints(String key) {
    JsonElement e = get(key);
    if (!e.isJsonArray()) throw error("'" + key + "' must be an array of whole numbers");
    JsonArray a = e.getAsJsonArray();
    int[] v = new int[a.size()];
    for (int i = 0; i < v.length; i++) {
      JsonElement x = a.get(i);
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber() || x.getAsDouble() != Math.rint(x.getAsDouble())
          || Math.abs(x.getAsDouble()) > Integer.MAX_VALUE) {
        throw error("'" + key + "' must be an array of whole numbers");
      }
      v[i] = x.getAsInt();
    }
    return v;
  }

  Json object(String key) {
    JsonElement e = get(key);
    if (!e.isJsonObject()) throw error("'" + key + "' must be an object");
    return new Json(e.getAsJsonObject(), file, where + "." + key);
  }

  JsonArray array(String key) {
    JsonElement e = get(key);
    if (!e.isJsonArray()) throw error("'" + key + "' must be an array");
    return e.getAsJsonArray();
  }

  Json element(JsonArray a, int i, String what) {
    JsonElement e = a.get(i);
    if (!e.isJsonObject()) throw error(what + " " + i + " must be an object");
    return new Json(e.getAsJsonObject(), file, what + " " + i);
  }
}
