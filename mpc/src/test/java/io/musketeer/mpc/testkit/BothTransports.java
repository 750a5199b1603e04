package io.musketeer.mpc.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A test run once in memory and once over loopback TCP: its first parameter is the {@link ThreeParty.Net}. */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@EnumSource(value = ThreeParty.Net.class, names = {"MEMORY", "TCP"})
public @interface BothTransports {}
