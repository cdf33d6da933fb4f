package im.history.persistence;

import java.io.Serializable;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A user of a peer conversation, for the conversation list and search. */
@Entity
@Table(name = "conversation_participant")
@IdClass(ConversationParticipant.Key.class)
public class ConversationParticipant extends PanacheEntityBase {

    @Id
    @Column(name = "user_id")
    public String userId;

    @Id
    @Column(name = "conversation_key")
    public String conversationKey;

    /** The composite primary key. */
    public static class Key implements Serializable {
        public String userId;
        public String conversationKey;

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Objects.equals(userId, key.userId)
                    && Objects.equals(conversationKey, key.conversationKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(userId, conversationKey);
        }
    }
}
